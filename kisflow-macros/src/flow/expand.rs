//! Code generation for `flow!`: a type named after the flow, its `FlowSpec` with the typed run
//! loop, and its registry entry. Each edge's type check is spanned on the user's tokens.

use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;

use super::parse::{FlowInput, StageInput};
use crate::param::param_text;
use crate::respan::respan;

pub(crate) fn expand(flow: &FlowInput) -> TokenStream {
    let private = quote!(::kisflow::__private);
    let FlowInput {
        attrs,
        vis,
        name,
        stages,
    } = flow;
    let name_text = name.to_string();
    let first = &stages[0].path;
    let stage_infos = stage_infos(stages);
    let arms = arms(stages);
    let jumps = jumps(stages);
    let layers = (0..stages.len()).map(|index| match index {
        0 => quote!(#private::Option::Some(rows)),
        _ => quote!(#private::Option::None),
    });
    let flow_in = at(first, quote!(<#first as #private::KisFunction>::In));
    quote! {
        #(#attrs)*
        #vis struct #name {
            _private: (),
        }

        impl #name {
            /// A fresh instance of this flow, with no rows and new ids.
            #[must_use]
            #[allow(clippy::new_ret_no_self)]
            #vis fn new() -> ::kisflow::Flow<Self> {
                ::kisflow::Flow::new()
            }
        }

        const _: () = {
            #[automatically_derived]
            impl #private::FlowSpec for #name {
                type In = #flow_in;
                const NAME: &'static str = #name_text;
                const STAGES: &'static [#private::Stage] = &[#(#stage_infos),*];
                const LOCATION: #private::Location = #private::Location {
                    file: #private::file!(),
                    line: #private::line!(),
                    column: #private::column!(),
                };

                fn decode_json(
                    row: &#private::serde_json::Value,
                ) -> #private::Option<#private::Result<Self::In, #private::serde_json::Error>> {
                    <#first as #private::KisFunction>::decode_input(row)
                }

                fn fmt_input(
                    rows: &[Self::In],
                    f: &mut ::core::fmt::Formatter<'_>,
                ) -> ::core::fmt::Result {
                    <#first as #private::KisFunction>::fmt_input(rows, f)
                }

                fn run(
                    ctxs: &[#private::FlowCtx],
                    rows: #private::Vec<Self::In>,
                ) -> #private::BoxFuture<'_, #private::Result<(), #private::Error>> {
                    // Whether any function may jump, which makes the run keep each input.
                    type Jumps = #jumps;
                    #private::Box::pin(async move {
                        let mut run = #private::RunState::new(ctxs);
                        let mut layers = (#(#layers,)*);
                        let mut at = 0usize;
                        loop {
                            match at {
                                #(#arms)*
                                _ => return #private::Result::Err(
                                    #private::no_such_stage(#name_text, at),
                                ),
                            }
                        }
                    })
                }
            }

            #private::inventory::submit! {
                #private::FlowEntry {
                    name: #name_text,
                    path: #private::concat!(#private::module_path!(), "::", #name_text),
                    location: <#name as #private::FlowSpec>::LOCATION,
                    stages: <#name as #private::FlowSpec>::STAGES,
                    new: #private::new_dyn_flow::<#name>,
                }
            }
        };
    }
}

/// `tokens` located at the user's `path`, so errors about that function are reported there.
fn at(path: &syn::Path, tokens: TokenStream) -> TokenStream {
    respan(tokens, path.span())
}

/// How generated code names the function at `index`, as a type: by its path. The edges between
/// functions are checked in one place only, where rows cross them (`arms`), so a mismatch or a
/// sink in the middle is one error at the next function's name.
fn function_type(stages: &[StageInput], index: usize) -> TokenStream {
    let path = &stages[index].path;
    quote!(#path)
}

/// The function at `index` as a trait-qualified path prefix, for its items.
fn function_at(stages: &[StageInput], index: usize) -> TokenStream {
    let private = quote!(::kisflow::__private);
    let function = function_type(stages, index);
    quote!(<#function as #private::KisFunction>)
}

/// `Yes` when any function of the flow declares `actions(jump)`, from the functions' `INFO`
/// constants, named exactly as `stage_infos` names them so that a name which is not a function
/// is reported once.
fn jumps(stages: &[StageInput]) -> TokenStream {
    let private = quote!(::kisflow::__private);
    let infos = (0..stages.len()).map(|index| {
        let function = function_at(stages, index);
        at(&stages[index].path, quote!(#function::INFO))
    });
    quote! {
        <#private::Select<{ #private::any_jumps(&[#(#infos),*]) }> as #private::Select2Flag>::Flag
    }
}

/// The `Stage` of each function: its registry entry and the params the flow gives it.
fn stage_infos(stages: &[StageInput]) -> Vec<TokenStream> {
    let private = quote!(::kisflow::__private);
    (0..stages.len())
        .map(|index| {
            let params = stages[index].params.iter().map(|p| {
                let key = p.key.to_string();
                let value = param_text(&p.value).unwrap_or_default();
                quote!((#key, #value))
            });
            let function = function_at(stages, index);
            at(
                &stages[index].path,
                quote!(#private::Stage::__new(#function::INFO, &[#(#params),*])),
            )
        })
        .collect()
}

/// The run loop's arms, one per function: call it on its input layer, then store what it hands
/// on as the next function's input and go where its action says.
fn arms(stages: &[StageInput]) -> Vec<TokenStream> {
    let private = quote!(::kisflow::__private);
    (0..stages.len())
        .map(|index| {
            let path = &stages[index].path;
            let function = function_type(stages, index);
            let layer = syn::Index::from(index);
            // The edge to the next function is reported at the next function's name, as in
            // `stage_infos`, so a mismatch stays one error.
            let hand_on = stages.get(index + 1).map(|next| {
                let next_path = &next.path;
                let next_layer = syn::Index::from(index + 1);
                at(
                    next_path,
                    quote! {
                        if let #private::Option::Some(rows) = rows {
                            layers.#next_layer = #private::Option::Some(
                                <(#path, #next_path) as #private::Edge>::feed(rows),
                            );
                        }
                    },
                )
            });
            let rows = match hand_on {
                Some(_) => quote!(rows),
                None => quote!(_),
            };
            let step = at(
                path,
                quote!(<#function as #private::KisFunction>::step::<Jumps>(
                    &mut run,
                    #index,
                    &mut layers.#layer,
                )),
            );
            // Located at the function's name, apart from the hand-on, which belongs to the edge.
            let scrutinee = at(path, quote!(#step.await?));
            quote! {
                #index => match #scrutinee {
                    #private::Goto::Stop => return #private::Result::Ok(()),
                    #private::Goto::To(to, #rows) => {
                        #hand_on
                        at = to;
                    }
                },
            }
        })
        .collect()
}
