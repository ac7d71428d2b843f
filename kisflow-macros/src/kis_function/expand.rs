//! Code generation only: the handler as written, a same-named type implementing `KisFunction`, and
//! the registry entry.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::args::Args;
use super::parse::HandlerFn;
use super::validate::Handler;

pub(crate) fn expand(item: &HandlerFn, args: &Args, handler: &Handler) -> TokenStream {
    let private = quote!(::kisflow::__private);
    let ident = &item.sig.ident;
    let vis = &item.vis;
    let name = args
        .name
        .as_ref()
        .map_or_else(|| ident.to_string(), syn::LitStr::value);
    let mode = format_ident!("{}", args.mode);
    let input = &handler.input;
    let output = handler
        .output
        .as_ref()
        .map_or_else(|| quote!(#private::NoRows), |ty| quote!(#ty));
    let output_info = match &handler.output {
        Some(ty) => quote!(#private::Option::Some(#private::RowType::of::<#ty>())),
        None => quote!(#private::Option::None),
    };
    // Spanned on the user's types, so "cannot be a kisflow row" points at the row type they wrote.
    let in_decl = quote_spanned!(input.span()=> type In = #input;);
    let out_decl = match &handler.output {
        Some(ty) => quote_spanned!(ty.span()=> type Out = #ty;),
        None => quote!(type Out = #private::NoRows;),
    };
    let call = call_fn(item, handler, &output);
    let Declared {
        info,
        jumps,
        reusable,
    } = declared(args);
    let fmt_input = fmt_rows(&quote!(fmt_input), &quote!(Self::In));
    let fmt_output = fmt_rows(&quote!(fmt_output), &quote!(Self::Out));
    let probes = probes();
    let emits = handler.output.as_ref().map(|ty| {
        quote! {
            #[automatically_derived]
            impl #private::EmitsRows for #ident {
                type Row = #ty;

                #[inline]
                fn rows(output: #private::Vec<#ty>) -> #private::Vec<#ty> {
                    output
                }
            }
        }
    });
    quote! {
        // The framework fixes `rows: Vec<In>`; a handler that only reads its rows is still right.
        #[allow(clippy::needless_pass_by_value)]
        #item

        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #ident {}

        const _: () = {
            #[automatically_derived]
            impl #private::KisFunction for #ident {
                #in_decl
                #out_decl
                const INFO: &'static #private::FunctionInfo = &#private::FunctionInfo::__new(
                    #name,
                    #private::Mode::#mode,
                    #private::concat!(#private::module_path!(), "::", #private::stringify!(#ident)),
                    #private::Location {
                        file: #private::file!(),
                        line: #private::line!(),
                        column: #private::column!(),
                    },
                    #private::RowType::of::<#input>(),
                    #output_info,
                    #info
                    <Self as #private::KisFunction>::erased,
                );
                #jumps
                #reusable
                #fmt_input
                #fmt_output
                #probes
                #call
            }

            #emits

            #private::inventory::submit! {
                #private::FunctionEntry(<#ident as #private::KisFunction>::INFO)
            }
        };
    }
}

/// A `KisFunction` debug hook writing rows of `row`: with `Debug` where the type has it, chosen by
/// autoref specialisation since the attribute cannot see the type's impls.
fn fmt_rows(name: &TokenStream, row: &TokenStream) -> TokenStream {
    let private = quote!(::kisflow::__private);
    quote! {
        fn #name(rows: &[#row], f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
            #[allow(unused_imports)]
            use #private::{DebugUnsupported as _, DebugViaDebug as _};
            (&&#private::Probe::<#row>::new()).fmt_rows(rows, f)
        }
    }
}

/// What the attribute declares beyond mode and name: the `FunctionInfo` arguments for params,
/// actions and connector, the `Jumps` flag, and the `reusable` hook of a `data_reuse` function.
struct Declared {
    info: TokenStream,
    jumps: TokenStream,
    reusable: Option<TokenStream>,
}

fn declared(args: &Args) -> Declared {
    let private = quote!(::kisflow::__private);
    let params = args.params.iter().map(|(k, v)| quote!((#k, #v)));
    let data_reuse = args.data_reuse.is_some();
    let jump = args.jump;
    let conn = match &args.conn {
        Some(cname) => quote!(#private::Option::Some(#cname)),
        None => quote!(#private::Option::None),
    };
    let jumps = if jump {
        quote!(type Jumps = #private::Yes;)
    } else {
        quote!(type Jumps = #private::No;)
    };
    // Spanned on `data_reuse`, so a function that cannot hand its input on is told there.
    let reusable = args.data_reuse.map(|span| {
        quote_spanned! {span=>
            #[inline]
            fn reusable(rows: &[Self::In]) -> #private::Option<#private::Vec<Self::Out>> {
                #private::Option::Some(
                    <Self::In as #private::ReuseInto<Self::Out>>::reuse(rows),
                )
            }
        }
    });
    Declared {
        info: quote! {
            &[#(#params),*],
            #private::Actions::__new(#data_reuse, #jump),
            #conn,
        },
        jumps,
        reusable,
    }
}

/// `KisFunction::call`: the handler called on one batch, its return turned into rows.
fn call_fn(item: &HandlerFn, handler: &Handler, output: &TokenStream) -> TokenStream {
    let private = quote!(::kisflow::__private);
    let ident = &item.sig.ident;
    let args_call = if handler.takes_ctx {
        quote!(ctx, rows)
    } else {
        quote!(rows)
    };
    let await_call = item.sig.asyncness.map(|_| quote!(.await));
    let body = quote! {
        async move {
            let _ = &ctx;
            #private::IntoOutput::<#output>::into_output(#ident(#args_call) #await_call)
        }
    };
    // Spanned on the function's name, so "future cannot be sent between threads" lands there.
    let call = quote_spanned! {ident.span()=>
        #[allow(clippy::manual_async_fn)]
        fn call(
            ctx: &#private::FlowCtx,
            rows: #private::Vec<Self::In>,
        ) -> impl #private::Future<
            Output = #private::Result<#private::Vec<Self::Out>, #private::BoxError>,
        > + ::core::marker::Send + '_ {
            #body
        }
    };
    call
}

/// The capability hooks of `KisFunction` (clone the input, decode an input row from JSON, encode
/// output rows as JSON), each answering `None` when the row type lacks the trait.
fn probes() -> TokenStream {
    let private = quote!(::kisflow::__private);
    quote! {
        fn clone_input(rows: &[Self::In]) -> #private::Option<#private::Vec<Self::In>> {
            #[allow(unused_imports)]
            use #private::{CloneUnsupported as _, CloneViaClone as _};
            (&&#private::Probe::<Self::In>::new()).clone_rows(rows)
        }

        fn decode_input(
            row: &#private::serde_json::Value,
        ) -> #private::Option<#private::Result<Self::In, #private::serde_json::Error>> {
            #[allow(unused_imports)]
            use #private::{JsonUnsupported as _, JsonViaSerde as _};
            (&&#private::Probe::<Self::In>::new()).decode_json(row)
        }

        fn erased() -> #private::Erased {
            #[allow(unused_imports)]
            use #private::{
                CloneUnsupported as _, CloneViaClone as _, EncodeUnsupported as _,
                EncodeViaSerde as _, JsonUnsupported as _, JsonViaSerde as _,
            };
            #private::Erased::__new::<Self>(
                (&&#private::Probe::<Self::In>::new()).erased_clone(),
                (&&#private::Probe::<Self::In>::new()).erased_decode(),
                (&&#private::Probe::<Self::Out>::new()).erased_encode(),
            )
        }

        fn encode_output(
            rows: &[Self::Out],
        ) -> #private::Option<
            #private::Result<#private::Vec<#private::serde_json::Value>, #private::serde_json::Error>,
        > {
            #[allow(unused_imports)]
            use #private::{EncodeUnsupported as _, EncodeViaSerde as _};
            (&&#private::Probe::<Self::Out>::new()).encode_json(rows)
        }
    }
}
