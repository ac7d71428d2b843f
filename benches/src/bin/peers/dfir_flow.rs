//! The workload on DFIR (Hydro's dataflow IR, `dfir_rs` with only its `macros` feature), written
//! as its `example_3_stream` shows: rows sent into an unbounded channel, a `dfir_syntax!` graph
//! `source_stream -> filter -> map -> map -> for_each`, and `run_available_sync` per run.

// `dfir_syntax!` generates `pub` items and `#[inline(always)]` functions inside the graph.
#![allow(unreachable_pub, clippy::inline_always)]

use std::cell::Cell;
use std::rc::Rc;

use dfir_rs::dfir_syntax;
use kisflow_bench::{StuGrade, StuScore, average, grade, is_valid};
use tokio::sync::mpsc::UnboundedSender;

/// One DFIR graph of the four steps, built once and run to quiescence after each input.
pub(crate) struct DfirGrades<R> {
    send: UnboundedSender<StuScore>,
    /// The graph's `run_available_sync`: the graph's type is DFIR's own and not meant to be named.
    run_available: R,
    a_grades: Rc<Cell<u64>>,
}

/// Builds the graph.
pub(crate) fn dfir_grades() -> DfirGrades<impl FnMut()> {
    let (send, recv) = dfir_rs::util::unbounded_channel::<StuScore>();
    let a_grades = Rc::new(Cell::new(0));
    let counted = Rc::clone(&a_grades);
    let mut flow = dfir_syntax! {
        source_stream(recv)
            -> filter(|r: &StuScore| is_valid(r))
            -> map(average)
            -> map(grade)
            -> for_each(|g: StuGrade| if g.grade == b'A' { counted.set(counted.get() + 1) });
    };
    DfirGrades {
        send,
        run_available: move || flow.run_available_sync(),
        a_grades,
    }
}

impl<R: FnMut()> DfirGrades<R> {
    /// W1: a batch's rows into the channel, then one run; returns the A grades counted.
    pub(crate) fn batches(&mut self, batches: Vec<Vec<StuScore>>) -> u64 {
        let before = self.a_grades.get();
        for batch in batches {
            for row in batch {
                self.send.send(row).expect("the graph holds the receiver");
            }
            (self.run_available)();
        }
        self.a_grades.get() - before
    }

    /// W3: one row into the channel, then one run; returns the A grades counted.
    pub(crate) fn singles(&mut self, rows: &[StuScore]) -> u64 {
        let before = self.a_grades.get();
        for row in rows {
            self.send.send(*row).expect("the graph holds the receiver");
            (self.run_available)();
        }
        self.a_grades.get() - before
    }
}
