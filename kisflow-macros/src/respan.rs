//! Moving generated tokens onto the user's tokens, so the compiler reports a problem where the user
//! wrote the name it concerns and not at the whole macro call.

use proc_macro2::{Group, Span, TokenStream, TokenTree};

/// Every token of `tokens` located at `at`, resolving names as at the macro's call site.
pub(crate) fn respan(tokens: TokenStream, at: Span) -> TokenStream {
    let span = Span::call_site().located_at(at);
    tokens
        .into_iter()
        .map(|mut tree| {
            if let TokenTree::Group(group) = &tree {
                let mut moved = Group::new(group.delimiter(), respan(group.stream(), at));
                moved.set_span(span);
                tree = TokenTree::Group(moved);
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}
