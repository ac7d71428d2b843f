//! How [`Windows`] fires: the windows the watermark passed, the state it drops, the late rows.

use super::{SPARE_MAPS, Slot, Windows};
use crate::window::clock::Millis;
use crate::window::{Aggregate, Late, Window, WindowResult};

impl<R, K, A> Windows<R, K, A>
where
    K: std::hash::Hash + Ord + Clone,
    A: Aggregate<R>,
{
    /// Emits the windows whose end the watermark passed since `before`, then drops those past
    /// their allowed lateness.
    pub(super) fn fire(&mut self, before: Millis, results: &mut Vec<WindowResult<K, A::Out>>) {
        let (now, size) = (self.clock.current(), self.spec.size);
        if now <= before {
            return;
        }
        // Ends in (before, now], so starts in (before - size, now - size]; below i64::MIN the
        // low bound takes every start, the high one none.
        let low = before
            .checked_sub(size)
            .map_or(Millis::MIN, |low| low.saturating_add(1));
        if let Some(high) = now.checked_sub(size).filter(|high| low <= *high) {
            for (start, keys) in self.open.range_mut(low..=high) {
                let window = Window::starting(*start, size);
                let mut due: Vec<_> = keys.iter_mut().collect();
                due.sort_unstable_by(|a, b| a.0.cmp(b.0));
                results.extend(
                    due.into_iter()
                        .map(|(key, slot)| emit(&self.aggregate, key, window, slot)),
                );
            }
        }
        let kept_until = size.saturating_add(self.spec.lateness);
        while let Some(entry) = self.open.first_entry() {
            if entry.key().saturating_add(kept_until) > now {
                break;
            }
            let mut keys = entry.remove();
            self.slots -= keys.len();
            if self.spare.len() < SPARE_MAPS {
                keys.clear();
                self.spare.push(keys);
            }
        }
        if self.open.is_empty() {
            // Every window closed: memory goes back to nothing, not to a few spare maps.
            self.spare = Vec::new();
        }
    }

    /// The late row, with why: `watermark` is the one it was judged against.
    pub(super) fn late(
        &self,
        row: R,
        time: Millis,
        watermark: Millis,
        window: Window,
        counted: usize,
    ) -> Late<R> {
        let lateness = self.spec.lateness;
        let counted = match counted {
            0 => "no window".to_owned(),
            1 => "1 later window".to_owned(),
            n => format!("{n} later windows"),
        };
        let reason = format!(
            "row at {time} ms is behind window [{}, {}) of `{}`: the watermark is {watermark} ms, \
             and the window took late rows only until the watermark passed {} ms (allowed \
             lateness {lateness} ms); the row is counted in {counted}; raise the allowed lateness \
             or the out-of-orderness to count rows this late",
            window.start,
            window.end,
            self.spec.name,
            window.end.saturating_add(lateness),
        );
        Late {
            row,
            time,
            watermark,
            window: Some(window),
            reason,
            operator: self.spec.name.clone(),
        }
    }
}

/// The result of one key's window as it stands, numbered by how many came before it.
pub(super) fn emit<R, K: Clone, A: Aggregate<R>>(
    aggregate: &A,
    key: &K,
    window: Window,
    slot: &mut Slot<A::Acc>,
) -> WindowResult<K, A::Out> {
    let revision = slot.emitted;
    slot.emitted += 1;
    WindowResult {
        key: key.clone(),
        window,
        value: aggregate.finish(&slot.acc),
        revision,
    }
}
