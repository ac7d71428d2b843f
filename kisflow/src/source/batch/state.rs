//! A batch's keyed state: the store its runs read and write, and the messages whose state it
//! has committed already.

use super::{Message, Outcome, Work};

/// A runner's state store, and how its commits go with the source's acks.
#[derive(Clone)]
pub(in crate::source) struct StateRun {
    pub(in crate::source) store: std::sync::Arc<dyn crate::state::StateStore>,
    pub(in crate::source) pairing: crate::state::Pairing,
}

impl Work<'_> {
    /// A fresh state transaction, set on every function of the flow for the run about to start.
    pub(super) fn begin(&self, state: &StateRun) -> std::sync::Arc<crate::state::StateTxn> {
        let txn = std::sync::Arc::new(crate::state::StateTxn::new(std::sync::Arc::clone(
            &state.store,
        )));
        for index in 0..self.flow.stages().len() {
            if let Some(ctx) = self.flow.function_ctx(index) {
                ctx.shared().set_state(Some(std::sync::Arc::clone(&txn)));
            }
        }
        txn
    }
}

/// The messages (places in `batch`) a state store that records ids has not recorded yet; the
/// others' state is committed already (the worker died before acking them), so they are only
/// acked.
pub(super) async fn skip_recorded(
    state: Option<&StateRun>,
    source: &str,
    batch: &[Message],
    places: Vec<usize>,
    outcome: &mut Outcome,
) -> Vec<usize> {
    let Some(state) = state.filter(|s| s.pairing == crate::state::Pairing::RecordsIds) else {
        return places;
    };
    // A state store keeps ids as text, as they are shown.
    let ids: Vec<String> = places.iter().map(|&p| batch[p].id.to_string()).collect();
    match state.store.recorded(source, &ids).await {
        Ok(recorded) if !recorded.is_empty() => {
            let recorded: std::collections::HashSet<String> = recorded.into_iter().collect();
            let mut rest = Vec::with_capacity(places.len());
            for (place, id) in places.into_iter().zip(&ids) {
                if recorded.contains(id) {
                    outcome.done.push(place);
                } else {
                    rest.push(place);
                }
            }
            rest
        }
        Ok(_) => places,
        // The commit checks again: a message recorded meanwhile is not counted twice.
        Err(err) => {
            tracing::warn!(source, error = %err.chain(), "the state store cannot say which messages it has; running them");
            places
        }
    }
}
