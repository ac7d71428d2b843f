//! Code generation for `flow!`: a type named after the flow, its `FlowSpec` (a table of its
//! functions), the compiler's checks of its edges, and its registry entry. Each check is spanned
//! on the user's tokens.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;

use super::parse::{FlowInput, StageInput};
use crate::krate::{self, Private};
use crate::param::param_text;
use crate::respan::respan;

pub(crate) fn expand(flow: &FlowInput) -> TokenStream {
    let full_path = &krate::Private::new(flow.krate.as_ref());
    // Everything but the type and its `new` is generated inside the `const _` block, which names
    // the path by its alias.
    let private = &Private::alias();
    let location = krate::location(private);
    let FlowInput {
        krate: _,
        attrs,
        vis,
        name,
        stages,
        branches,
    } = flow;
    let name_text = name.to_string();
    let first = &stages[0].path;
    let stage_infos = stage_infos(private, stages);
    let jumps = jumps(private, stages);
    let checks = checks(private, stages, branches);
    let fork = fork_check(private, stages, branches);
    let first_at = At::new(private, first);
    let first_function = first_at.function(first);
    let flow_in = quote_spanned!(first_at.span=> #first_function::In);
    // What `run_collect` gives back: the last function's rows, or the first branch's last one's.
    let output = branches.get(1).copied().unwrap_or(stages.len()) - 1;
    let last = &stages[output].path;
    let last_at = At::new(private, last);
    let last_function = last_at.function(last);
    let flow_out = quote_spanned!(last_at.span=> #last_function::Out);
    let branches_const = (!branches.is_empty())
        .then(|| quote!(const BRANCHES: &'static [usize] = &[#(#branches),*];));
    let check_body = quote! {
        // Whether any function may jump, which makes the run keep each input.
        type Jumps = #jumps;
        #(#checks)*
        #fork
    };
    // A chain runs typed, and its checks open its `__typed`, a body the compiler checks anyway;
    // a flow with branches has them in a function of their own.
    let (typed, typed_const, check_fn) = if branches.is_empty() {
        (
            Some(typed_run(private, stages, &check_body)),
            Some(
                quote!(const TYPED: #private::Option<#private::TypedFn<Self::In>> =
                #private::Option::Some(__typed);),
            ),
            None,
        )
    } else {
        let check_fn = quote! {
            // What the compiler checks of the flow: the row types of each edge, and `Clone`
            // inputs where a function may jump. Generic and never called, so it compiles to
            // nothing: every flow runs on the run loop compiled into kisflow.
            #[allow(dead_code)]
            fn __check<__Flow>() {
                #check_body
            }
        };
        (None, None, Some(check_fn))
    };
    quote! {
        #(#attrs)*
        #vis struct #name {
            _private: (),
        }

        impl #name {
            /// A fresh instance of this flow, with no rows and new ids.
            #[must_use]
            #[inline]
            #[allow(clippy::new_ret_no_self)]
            #vis fn new() -> #full_path::Flow<Self> {
                #full_path::Flow::new()
            }
        }

        const _: () = {
            use #full_path as #private;

            #[automatically_derived]
            impl #private::FlowSpec for #name {
                type In = #flow_in;
                const NAME: &'static str = #name_text;
                const STAGES: &'static [#private::Stage] = &[#(#stage_infos),*];
                const LOCATION: #private::Location = #location;
                #branches_const
                #typed_const
            }

            #typed

            // An impl header, not an associated type: a `pub` flow may end in a private function.
            #[automatically_derived]
            impl #private::LastEmits<#flow_out> for #name {}

            #check_fn

            #private::inventory::submit! {
                #private::FlowEntry::__of::<#name>(
                    #private::concat!(#private::module_path!(), "::", #name_text),
                )
            }
        };
    }
}

/// Where generated tokens about one function of the flow are located: at its name, as the user
/// wrote it, resolving names as at the macro call, so errors about that function are reported
/// there. The tokens are made there (`quote_spanned!`), rather than made and then moved, which
/// would go over every token again.
struct At {
    span: Span,
    /// Kisflow's path, located here.
    private: Private,
}

impl At {
    fn new(private: &Private, path: &syn::Path) -> Self {
        let span = Span::call_site().located_at(path.span());
        Self {
            span,
            private: private.at(span),
        }
    }

    /// `path`, a function's name as the user wrote it, located here.
    fn path(&self, path: &syn::Path) -> TokenStream {
        respan(path.to_token_stream(), self.span)
    }

    /// `<function as KisFunction>`, for its items, all of it located here. A function is named
    /// by its path only: the edges between functions are checked in one place (`checks` or
    /// `typed_run`), so a mismatch or a sink in the middle is one error at the next function.
    fn function(&self, path: &syn::Path) -> TokenStream {
        let (private, path) = (&self.private, self.path(path));
        quote_spanned!(self.span=> <#path as #private::KisFunction>)
    }
}

/// `Yes` when any function of the flow declares `actions(jump)`, from the functions' `JUMPS`
/// constants, each named at its function as `stage_infos` names its `INFO`, so that a name which
/// is not a function is reported once.
fn jumps(private: &Private, stages: &[StageInput]) -> TokenStream {
    let flags = stages.iter().map(|stage| {
        let at = At::new(private, &stage.path);
        let function = at.function(&stage.path);
        quote_spanned!(at.span=> #function::JUMPS)
    });
    quote! {
        <#private::Select<{ false #(| #flags)* }> as #private::Select2Flag>::Flag
    }
}

/// The `Stage` of each function: its registry entry and the params the flow gives it.
fn stage_infos(private: &Private, stages: &[StageInput]) -> Vec<TokenStream> {
    stages
        .iter()
        .map(|stage| {
            let params = stage.params.iter().map(|p| {
                let key = p.key.to_string();
                let value = param_text(&p.value).unwrap_or_default();
                quote!((#key, #value))
            });
            let at = At::new(private, &stage.path);
            let (private, function) = (&at.private, at.function(&stage.path));
            quote_spanned!(at.span=> #private::Stage::__new(#function::INFO, &[#(#params),*]))
        })
        .collect()
}

/// The function whose rows the function at `index` takes: the one before it, or the trunk's last
/// for the first function of a branch.
fn feeder(branches: &[usize], index: usize) -> Option<usize> {
    if branches.contains(&index) {
        return Some(branches[0] - 1);
    }
    index.checked_sub(1)
}

/// At a branch point, that the trunk's last function's rows are `Clone`, since each branch gets
/// its own copy. Through `Out`, not `EmitsRows`: a sink there is already one error per branch.
fn fork_check(private: &Private, stages: &[StageInput], branches: &[usize]) -> TokenStream {
    let Some(first) = branches.first() else {
        return TokenStream::new();
    };
    let point = &stages[first - 1].path;
    let at = At::new(private, point);
    let (private, point) = (&at.private, at.path(point));
    quote_spanned! {at.span=>
        {
            type Point = #point;
            let _ = <<Point as #private::KisFunction>::Out as #private::CloneForBranches<
                Point,
            >>::copy;
        }
    }
}

/// `__typed`, the typed run of a chain (a flow that ends in branches has none): each function's
/// typed handler called on what the one before emitted, in straight-line calls, every branch of
/// them being in kisflow's `TypedRun`. A chain's edges are checked here, where its rows cross
/// them, rather than in `checks`: `EmitsRows::Row` and `FeedsInto::feed`, located at the
/// next function's name, so a sink in the middle or a row mismatch is one error there. The flow's
/// other `checks` open the body: a function of their own cost each flow a body more to check.
fn typed_run(private: &Private, stages: &[StageInput], checks: &TokenStream) -> TokenStream {
    let first_path = &stages[0].path;
    let first_at = At::new(private, first_path);
    let first_function = first_at.function(first_path);
    let first = quote_spanned!(first_at.span=> #first_function::PLAIN);
    let flow_in = quote_spanned!(first_at.span=> #first_function::In);
    let then = (1..stages.len()).map(|index| {
        let at = At::new(private, &stages[index].path);
        let (prev, next) = (
            at.path(&stages[index - 1].path),
            at.path(&stages[index].path),
        );
        let edge = edge(&at, &prev, &next);
        let private = &at.private;
        let call = quote_spanned! {at.span=>
            #edge
            run.then(
                #index,
                rows,
                <#next as #private::KisFunction>::PLAIN,
            )
        };
        quote!(let rows = { #call };)
    });
    quote! {
        fn __typed<'a>(
            run: &mut #private::TypedRun<'a>,
            rows: #private::Vec<#flow_in>,
        ) -> #private::Ended<'a> {
            #checks
            let rows = run.first(rows, #first);
            #(#then)*
            #private::TypedRun::end(rows)
        }
    }
}

/// The check of the edge from `prev` to `next`, located at `at` (the next function's name):
/// `EmitsRows` and `FeedsInto` themselves, not through `Edge`'s blanket impl, so the compiler
/// reports the bound that failed in its own words and nothing else, where a bound reached through
/// an impl also quotes that impl from kisflow's source. Named, not called, so no code is compiled
/// for it. Aliases put both names where only a type can stand: a plain `fn` given as a generic
/// argument would be taken for a constant, and reported twice.
fn edge(at: &At, prev: &TokenStream, next: &TokenStream) -> TokenStream {
    let private = &at.private;
    quote_spanned! {at.span=>
        type Prev = #prev;
        type Next = #next;
        let _ = <<Prev as #private::EmitsRows>::Row as #private::FeedsInto<
            Prev,
            Next,
            <Next as #private::KisFunction>::In,
        >>::feed;
    }
}

/// One check per function, located at its name: the edge from the function that feeds it (its
/// rows are the ones this function takes, and that function emits rows at all), then whether its
/// input can be kept when the flow may jump. An edge is checked in this one place only, so a
/// mismatch is one error.
fn checks(private: &Private, stages: &[StageInput], branches: &[usize]) -> Vec<TokenStream> {
    (0..stages.len())
        .map(|index| {
            let path = &stages[index].path;
            let at = At::new(private, path);
            // A chain's edges are checked in `__typed`, where its rows cross them.
            let edge = feeder(branches, index)
                .filter(|_| !branches.is_empty())
                .map(|prev| {
                    let edge = edge(&at, &at.path(&stages[prev].path), &at.path(path));
                    quote_spanned!(at.span=> { #edge })
                });
            let (function, private) = (at.function(path), &at.private);
            quote_spanned! {at.span=>
                #edge
                let _ = <#function::In as #private::CloneForJump<Jumps>>::keep;
            }
        })
        .collect()
}
