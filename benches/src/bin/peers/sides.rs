//! Every contender of the peers table behind one dispatch, each built once and reused for every
//! round, as a long-lived program would hold it.

use std::sync::atomic::Ordering;

use kisflow::Flow;
use kisflow_bench::{BASELINE_A_GRADES, FLOW_A_GRADES, Grades, StuScore, baseline};
use tokio::runtime::Runtime;

use crate::channels::pipeline;
use crate::dfir_flow::{DfirGrades, dfir_grades};
use crate::timely_flow::TimelyGrades;

/// A contender; the hand-written steps are the baseline of every ratio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    HandWritten,
    Kisflow,
    Timely,
    Dfir,
    Channels,
    ChannelsAwaited,
}

impl Side {
    /// Every side, in the order of the table's columns.
    pub(crate) const ALL: [Side; 6] = [
        Side::HandWritten,
        Side::Kisflow,
        Side::Timely,
        Side::Dfir,
        Side::Channels,
        Side::ChannelsAwaited,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Side::HandWritten => "hand-written",
            Side::Kisflow => "kisflow",
            Side::Timely => "timely",
            Side::Dfir => "dfir",
            Side::Channels => "channels",
            Side::ChannelsAwaited => "channels-awaited",
        }
    }

    pub(crate) fn parse(name: &str) -> Option<Side> {
        Side::ALL.into_iter().find(|side| side.name() == name)
    }
}

/// The contenders, ready to run; `R` is the DFIR graph's run function.
pub(crate) struct Sides<R> {
    /// A current-thread runtime, as a one-flow program would use, for kisflow and the channels.
    rt: Runtime,
    kisflow: Flow<Grades>,
    timely: TimelyGrades,
    dfir: DfirGrades<R>,
}

/// Builds every side.
pub(crate) fn sides() -> Sides<impl FnMut()> {
    Sides {
        rt: tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a current-thread runtime needs no resource that can be missing"),
        kisflow: Grades::new(),
        timely: TimelyGrades::new(),
        dfir: dfir_grades(),
    }
}

impl<R: FnMut()> Sides<R> {
    /// W1: one run per batch; returns the A grades the side counted.
    pub(crate) fn batches(&mut self, side: Side, batches: Vec<Vec<StuScore>>) -> u64 {
        match side {
            Side::HandWritten => counted(&BASELINE_A_GRADES, || {
                batches.into_iter().for_each(baseline);
            }),
            Side::Kisflow => {
                let flow = &mut self.kisflow;
                counted(&FLOW_A_GRADES, || {
                    self.rt.block_on(async {
                        for batch in batches {
                            flow.commit_batch(batch).expect("typed commits cannot fail");
                            flow.run()
                                .await
                                .expect("the workload's functions never fail");
                        }
                    });
                })
            }
            Side::Timely => self.timely.batches(batches),
            Side::Dfir => self.dfir.batches(batches),
            Side::Channels => self.rt.block_on(pipeline(batches, false)),
            Side::ChannelsAwaited => self.rt.block_on(pipeline(batches, true)),
        }
    }

    /// W3: one run per row; returns the A grades the side counted.
    pub(crate) fn singles(&mut self, side: Side, rows: &[StuScore]) -> u64 {
        match side {
            Side::HandWritten => counted(&BASELINE_A_GRADES, || {
                for row in rows {
                    baseline(vec![*row]);
                }
            }),
            Side::Kisflow => {
                let flow = &mut self.kisflow;
                counted(&FLOW_A_GRADES, || {
                    self.rt.block_on(async {
                        for row in rows {
                            flow.commit(*row).expect("typed commits cannot fail");
                            flow.run()
                                .await
                                .expect("the workload's functions never fail");
                        }
                    });
                })
            }
            Side::Timely => self.timely.singles(rows),
            Side::Dfir => self.dfir.singles(rows),
            Side::Channels => self
                .rt
                .block_on(pipeline(rows.iter().map(|row| vec![*row]), false)),
            Side::ChannelsAwaited => self
                .rt
                .block_on(pipeline(rows.iter().map(|row| vec![*row]), true)),
        }
    }
}

/// What `work` added to `counter`.
fn counted(counter: &std::sync::atomic::AtomicU64, work: impl FnOnce()) -> u64 {
    let before = counter.load(Ordering::Relaxed);
    work();
    counter.load(Ordering::Relaxed) - before
}
