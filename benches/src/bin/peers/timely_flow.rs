//! The workload on timely dataflow, written as timely's `threadless` example and its operator docs
//! show: one worker on this thread, an input handle, `filter` → `map` → `map` → `inspect` over
//! `Vec` containers, and a probe to step the worker until an epoch is done.

use std::cell::Cell;
use std::rc::Rc;

use kisflow_bench::{StuScore, average, grade, is_valid};
use timely::WorkerConfig;
use timely::communication::Allocator;
use timely::communication::allocator::Thread;
use timely::dataflow::operators::vec::{Filter, Map};
use timely::dataflow::operators::{Input, Inspect, Probe};
use timely::dataflow::{InputHandle, ProbeHandle};
use timely::worker::Worker;

/// One timely dataflow of the four steps, built once and fed epoch after epoch.
pub(crate) struct TimelyGrades {
    worker: Worker,
    input: InputHandle<u64, timely::container::CapacityContainerBuilder<Vec<StuScore>>>,
    probe: ProbeHandle<u64>,
    a_grades: Rc<Cell<u64>>,
    epoch: u64,
}

impl TimelyGrades {
    pub(crate) fn new() -> Self {
        let mut worker = Worker::new(
            WorkerConfig::default(),
            Allocator::Thread(Thread::default()),
            None,
        );
        let mut input = InputHandle::new();
        let probe = ProbeHandle::new();
        let a_grades = Rc::new(Cell::new(0));
        let counted = Rc::clone(&a_grades);
        worker.dataflow(|scope| {
            scope
                .input_from(&mut input)
                .container::<Vec<StuScore>>()
                .filter(is_valid)
                .map(average)
                .map(grade)
                .inspect(move |g| {
                    if g.grade == b'A' {
                        counted.set(counted.get() + 1);
                    }
                })
                .probe_with(&probe);
        });
        Self {
            worker,
            input,
            probe,
            a_grades,
            epoch: 0,
        }
    }

    /// W1: each batch is one epoch; returns the A grades counted.
    pub(crate) fn batches(&mut self, batches: Vec<Vec<StuScore>>) -> u64 {
        let before = self.a_grades.get();
        for mut batch in batches {
            self.input.send_batch(&mut batch);
            self.finish_epoch();
        }
        self.a_grades.get() - before
    }

    /// W3: each row is one epoch; returns the A grades counted.
    pub(crate) fn singles(&mut self, rows: &[StuScore]) -> u64 {
        let before = self.a_grades.get();
        for row in rows {
            self.input.send(*row);
            self.finish_epoch();
        }
        self.a_grades.get() - before
    }

    /// Closes the current epoch and steps the worker until the probe has seen all of it, the
    /// loop of timely's examples.
    fn finish_epoch(&mut self) {
        self.epoch += 1;
        self.input.advance_to(self.epoch);
        while self.probe.less_than(self.input.time()) {
            self.worker.step();
        }
    }
}
