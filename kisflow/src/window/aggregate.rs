//! [`Aggregate`]: what a window computes over its rows, with [`Count`] and [`Fold`] ready made.

/// What a window computes over the rows of one key: an accumulator started by
/// [`init`](Self::init), grown by [`add`](Self::add), read by [`finish`](Self::finish).
///
/// `finish` borrows the accumulator because a window that takes late rows (allowed lateness)
/// emits again after each of them.
///
/// ```
/// use kisflow::window::Aggregate;
///
/// /// The greatest value of a window, `None` for no rows.
/// struct Max;
///
/// impl Aggregate<i64> for Max {
///     type Acc = Option<i64>;
///     type Out = Option<i64>;
///     fn init(&self) -> Option<i64> {
///         None
///     }
///     fn add(&self, acc: &mut Option<i64>, row: &i64) {
///         *acc = Some(acc.map_or(*row, |max| max.max(*row)));
///     }
///     fn finish(&self, acc: &Option<i64>) -> Option<i64> {
///         *acc
///     }
/// }
///
/// let mut acc = Max.init();
/// Max.add(&mut acc, &3);
/// Max.add(&mut acc, &7);
/// assert_eq!(Max.finish(&acc), Some(7));
/// ```
pub trait Aggregate<R> {
    /// The running state of one key in one window.
    type Acc;
    /// The result a window emits for a key.
    type Out;
    /// The accumulator of a window that has no rows yet.
    fn init(&self) -> Self::Acc;
    /// Takes one row into the accumulator.
    fn add(&self, acc: &mut Self::Acc, row: &R);
    /// The result of the rows taken so far.
    fn finish(&self, acc: &Self::Acc) -> Self::Out;
}

/// Counts the rows of each key and window.
///
/// ```
/// use kisflow::window::{Aggregate, Count};
///
/// let mut acc = Aggregate::<&str>::init(&Count);
/// Count.add(&mut acc, &"a");
/// Count.add(&mut acc, &"b");
/// assert_eq!(Aggregate::<&str>::finish(&Count, &acc), 2);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Count;

impl<R> Aggregate<R> for Count {
    type Acc = u64;
    type Out = u64;
    fn init(&self) -> u64 {
        0
    }
    fn add(&self, acc: &mut u64, _row: &R) {
        *acc += 1;
    }
    fn finish(&self, acc: &u64) -> u64 {
        *acc
    }
}

/// A fold: a starting value and a function that takes each row into it; the result is the value.
///
/// ```
/// use kisflow::window::{Aggregate, Fold};
///
/// let sum = Fold::new(0_i64, |sum: &mut i64, row: &(String, i64)| *sum += row.1);
/// let mut acc = sum.init();
/// sum.add(&mut acc, &("a".into(), 2));
/// sum.add(&mut acc, &("a".into(), 5));
/// assert_eq!(sum.finish(&acc), 7);
/// ```
#[derive(Debug, Clone)]
pub struct Fold<T, F> {
    init: T,
    step: F,
}

impl<T, F> Fold<T, F> {
    /// A fold from `init`, taking each row in with `step`.
    pub fn new(init: T, step: F) -> Self {
        Self { init, step }
    }
}

impl<R, T: Clone, F: Fn(&mut T, &R)> Aggregate<R> for Fold<T, F> {
    type Acc = T;
    type Out = T;
    fn init(&self) -> T {
        self.init.clone()
    }
    fn add(&self, acc: &mut T, row: &R) {
        (self.step)(acc, row);
    }
    fn finish(&self, acc: &T) -> T {
        acc.clone()
    }
}
