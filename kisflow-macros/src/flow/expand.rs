//! Code generation for `flow!`: a type named after the flow, its `FlowSpec` with the typed run
//! loop, and its registry entry. Each edge's type check is spanned on the user's tokens.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::parse::FlowInput;
use super::validate::param_text;

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
    let stage_infos = stages.iter().map(|stage| {
        let path = &stage.path;
        let params = stage.params.iter().map(|p| {
            let key = p.key.to_string();
            let value = param_text(&p.value).unwrap_or_default();
            quote!((#key, #value))
        });
        quote_spanned! {path.span()=>
            #private::Stage::__new(<#path as #private::KisFunction>::INFO, &[#(#params),*])
        }
    });
    let steps = stages.iter().enumerate().map(|(index, stage)| {
        let path = &stage.path;
        let call = quote_spanned! {path.span()=>
            let rows = #private::call::<#path>(&ctxs[#index], rows).await?;
        };
        if index == 0 {
            return call;
        }
        let prev = &stages[index - 1].path;
        // The check sits on the next function's tokens: that is where the error is reported.
        let feed = quote_spanned! {path.span()=>
            let rows = #private::feed::<#prev, #path>(rows);
        };
        quote! {
            if rows.is_empty() {
                return #private::Result::Ok(());
            }
            #feed
            #call
        }
    });
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
                type In = <#first as #private::KisFunction>::In;
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

                fn run(
                    ctxs: &[#private::FlowCtx],
                    rows: #private::Vec<Self::In>,
                ) -> impl #private::Future<Output = #private::Result<(), #private::Error>>
                       + ::core::marker::Send + '_ {
                    async move {
                        #(#steps)*
                        let _ = rows;
                        #private::Result::Ok(())
                    }
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
