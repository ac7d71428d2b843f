//! Code generation for `flow!`: a type named after the flow, its `FlowSpec` with the typed run
//! loop, and its registry entry. Each edge's type check is spanned on the user's tokens.

use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;

use super::parse::{FlowInput, StageInput};
use super::validate::param_text;
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
    let steps = steps(stages);
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
                    #[allow(unused_imports)]
                    use #private::{JsonUnsupported as _, JsonViaSerde as _};
                    (&&#private::JsonProbe::<Self::In>::new()).decode_json(row)
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
                    #private::Box::pin(async move {
                        #(#steps)*
                        let _ = rows;
                        #private::Result::Ok(())
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

/// How generated code names the function at `index`. Every function after the first is reached
/// only through the edge that leads to it, so each problem with it (a mismatch, a sink before it,
/// not a function) is one error at its name.
fn function_at(stages: &[StageInput], index: usize) -> TokenStream {
    let private = quote!(::kisflow::__private);
    let path = &stages[index].path;
    match index {
        0 => quote!(<#path as #private::KisFunction>),
        _ => {
            let prev = &stages[index - 1].path;
            quote!(<<(#prev, #path) as #private::Edge>::Next as #private::KisFunction>)
        }
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

/// The run loop's statements: call each function on its predecessor's rows, stop on no rows.
fn steps(stages: &[StageInput]) -> Vec<TokenStream> {
    let private = quote!(::kisflow::__private);
    (0..stages.len())
        .map(|index| {
            let path = &stages[index].path;
            let function = function_at(stages, index);
            let (stop_if_empty, input) = match index {
                0 => (None, quote!(rows)),
                _ => {
                    let prev = &stages[index - 1].path;
                    let stop = quote! {
                        if rows.is_empty() {
                            return #private::Result::Ok(());
                        }
                    };
                    (
                        Some(stop),
                        quote!(<(#prev, #path) as #private::Edge>::feed(rows)),
                    )
                }
            };
            let call = at(
                path,
                quote! {
                    let rows = #private::run_stage(
                        &ctxs[#index],
                        rows.len(),
                        #function::fmt_output,
                        #function::call(&ctxs[#index], #input),
                    )
                    .await?;
                },
            );
            quote!(#stop_if_empty #call)
        })
        .collect()
}
