//! Code generation only: the handler as written, a same-named type implementing `KisFunction`, and
//! the registry entry.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::args::Args;
use super::parse::HandlerFn;
use super::validate::Handler;
use crate::krate;
use crate::respan::respan;

pub(crate) fn expand(item: &HandlerFn, args: &Args, handler: &Handler) -> TokenStream {
    let private = &krate::private(args.krate.as_ref());
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
    let call = call_fn(private, item, handler, &output, &name);
    let plain = item.sig.asyncness.is_none().then(|| {
        quote!(const PLAIN: #private::Option<#private::PlainFn<#input, #output>> =
            #private::Option::Some(__PLAIN);)
    });
    // A plain `fn` is called through the shared `Call::plain`, which finds the handler in
    // `__PLAIN`; an `async fn` through its own `__call`.
    let erased_call = if item.sig.asyncness.is_none() {
        quote!(__ROWS.call_plain, #private::Option::Some(&__PLAIN))
    } else {
        quote!(__call, #private::Option::None)
    };
    let erased = erased_fn(private, args, input, &output, &erased_call);
    let params = args.params.iter().map(|p| {
        let (key, text) = (&p.key, &p.text);
        quote!((#key, #text))
    });
    let param_types = param_types(private, args);
    let data_reuse = args.data_reuse.is_some();
    let jump = args.jump;
    let conn = match &args.conn {
        Some(cname) => quote!(#private::Option::Some(#cname)),
        None => quote!(#private::Option::None),
    };
    let emits = handler.output.as_ref().map(|ty| {
        quote! {
            #[automatically_derived]
            impl #private::EmitsRows for #ident {
                type Row = #ty;

                #[inline]
                fn emitted(rows: #private::Vec<#ty>) -> #private::Vec<#ty> {
                    rows
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
                #plain
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
                    &[#(#params),*],
                    &[#(#param_types),*],
                    #private::DeclaredActions::__new(#data_reuse, #jump),
                    #conn,
                    __erased,
                );
            }

            #emits

            // Evaluated while compiling: each is compiled once per row type, not per function.
            const __ROWS: #private::RowOps<#ident> = #private::RowOps::of();
            #erased
            #call

            #private::inventory::submit! {
                #private::FunctionEntry(<#ident as #private::KisFunction>::INFO)
            }
        };
    }
}

/// `__erased`: what the runtime can do with the function's rows, found by autoref
/// specialisation (the attribute cannot see the row types' impls), plus the `data_reuse` check.
fn erased_fn(
    private: &TokenStream,
    args: &Args,
    input: &syn::Type,
    output: &TokenStream,
    call: &TokenStream,
) -> TokenStream {
    let data_reuse = args.data_reuse.is_some();
    // Located at `data_reuse`, so a function that cannot hand its input on is told there.
    let reuse_check = args.data_reuse.map(|span| {
        respan(
            quote! {
                let _ = <#input as #private::ReusableAs<#output>>::reuse;
            },
            span,
        )
    });
    quote! {
        fn __erased() -> #private::Erased {
            #[allow(unused_imports)]
            use #private::{
                CloneUnsupported as _, CloneViaClone as _, DebugUnsupported as _,
                DebugViaDebug as _, EncodeUnsupported as _, EncodeViaSerde as _,
                JsonUnsupported as _, JsonViaSerde as _,
            };
            #reuse_check
            #private::Erased::__new(
                #call,
                #private::Abilities {
                    clone_input: (&&#private::Probe::<#input>::new()).erased_clone(),
                    decode_input: (&&#private::Probe::<#input>::new()).erased_decode(),
                    encode_output: (&&#private::Probe::<#output>::new()).erased_encode(),
                    fmt_input: (&&#private::Probe::<#input>::new()).erased_fmt(),
                    fmt_output: (&&#private::Probe::<#output>::new()).erased_fmt(),
                },
                __ROWS.input,
                #data_reuse,
            )
        }
    }
}

/// The handler's calls: for a plain `fn`, `__plain` (the handler typed, as `flow!` chains that
/// run typed call it) and `__PLAIN`, where the shared erased `Call::plain` finds it; for an
/// `async fn`, `__call`, the handler called on one batch of erased rows as a boxed future.
fn call_fn(
    private: &TokenStream,
    item: &HandlerFn,
    handler: &Handler,
    output: &TokenStream,
    name: &str,
) -> TokenStream {
    let ident = &item.sig.ident;
    let input = &handler.input;
    if item.sig.asyncness.is_none() {
        // `__plain` is the handler, typed: what `flow!` chains that run typed call, and, through
        // `__PLAIN`, what the shared `Call::plain` calls on erased rows.
        let (args_call, unused) = if handler.takes_ctx {
            (quote!(ctx, rows), quote!())
        } else {
            (quote!(rows), quote!(let _ = ctx;))
        };
        return quote! {
            fn __plain(
                ctx: &#private::FlowCtx,
                rows: #private::Vec<#input>,
            ) -> #private::Result<#private::Vec<#output>, #private::BoxError> {
                #unused
                #private::IntoOutput::<#output>::into_output(#ident(#args_call))
            }

            const __PLAIN: #private::PlainFn<#input, #output> = __plain;
        };
    }
    let args_call = if handler.takes_ctx {
        quote!(ctx, rows)
    } else {
        quote!(rows)
    };
    // Spanned on the function's name, so "future cannot be sent between threads" lands there.
    let called = quote_spanned! {ident.span()=>
        #private::Call::Pending(#private::Box::pin(async move {
            #private::IntoOutput::<#output>::into_output(#ident(#args_call).await)
                .map(__ROWS.wrap_output)
        }))
    };
    quote! {
        fn __call(ctx: &#private::FlowCtx, rows: #private::Rows) -> #private::Call<'_> {
            let _ = &ctx;
            match (__ROWS.unwrap_input)(rows) {
                #private::Result::Ok(rows) => #called,
                #private::Result::Err(_) => {
                    #private::Call::mismatch(#name, #private::stringify!(#input))
                }
            }
        }
    }
}

/// The declared type of each typed param, for the runtime to check configured values against,
/// and a compile-time check of the default itself where the literal can be one of the type: a
/// number or boolean (`max_qty: u32 = -1` is an error at the `-1`).
fn param_types(private: &TokenStream, args: &Args) -> Vec<TokenStream> {
    args.params
        .iter()
        .filter_map(|p| {
            let ty = p.ty.as_ref()?;
            let key = &p.key;
            let value = &p.value;
            let check = match value {
                syn::Lit::Int(_) | syn::Lit::Float(_) | syn::Lit::Bool(_) => {
                    quote_spanned!(value.span()=> let _: #ty = #value;)
                }
                _ => quote!(),
            };
            Some(quote_spanned! {ty.span()=>
                {
                    #[allow(clippy::no_effect_underscore_binding)]
                    const _: () = { #check };
                    #private::ParamType::__new::<#ty>(#key)
                }
            })
        })
        .collect()
}
