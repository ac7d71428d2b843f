//! Code generation only: the handler as written, a same-named type implementing `KisFunction`, and
//! the registry entry.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::args::Args;
use super::parse::HandlerFn;
use super::validate::{Handler, Returns};
use crate::krate::{self, Private};
use crate::respan::respan;

pub(crate) fn expand(item: &HandlerFn, args: &Args, handler: &Handler) -> TokenStream {
    let full_path = &krate::Private::new(args.krate.as_ref());
    // Everything below is generated inside the `const _` block, which names the path by its alias.
    let private = &Private::alias();
    let location = krate::location(private);
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
    let path_tail = format!("::{ident}");
    // Spanned on the user's types, so "cannot be a kisflow row" points at the row type they wrote.
    let in_decl = quote_spanned!(input.span()=> type In = #input;);
    let out_decl = match &handler.output {
        Some(ty) => quote_spanned!(ty.span()=> type Out = #ty;),
        None => quote!(type Out = #private::NoRows;),
    };
    let call = call_fn(private, item, handler, &output, &name);
    // A plain `fn` is called through `PLAIN` by the shared call of its row types; an `async fn`
    // through its own `__call`.
    let (plain, handler_tokens) = if item.sig.asyncness.is_none() {
        let plain = plain_fn(private, item, handler);
        (
            Some(
                quote!(const PLAIN: #private::Option<#private::PlainFn<#input, #output>> =
                #private::Option::Some(#plain);),
            ),
            quote!(#private::Handler::plain(&<#ident as #private::KisFunction>::PLAIN)),
        )
    } else {
        (None, quote!(#private::Handler::Async(__call)))
    };
    let abilities = abilities(private, input, &output);
    let reuse_check = reuse_check(private, args, input, &output);
    let declared = declared(private, args);
    let emits = handler.output.as_ref().map(|ty| {
        quote! {
            #[automatically_derived]
            impl #private::EmitsRows for #ident {
                type Row = #ty;
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
            use #full_path as #private;
            // The fallbacks of the row probes in `INFO`, for rows without an ability.
            #[allow(unused_imports)]
            use #private::Unsupported as _;

            // A static, not the constant itself: the registry and each flow that names the
            // function point at it, and the compiler evaluates and checks it once.
            static __INFO: #private::FunctionInfo = #private::FunctionInfo::__new(
                #name,
                #private::Mode::#mode,
                #private::concat!(#private::module_path!(), #path_tail),
                #location,
                // Evaluated once per pair of row types, and shared.
                <#ident as #private::KisFunction>::ROWS,
                #declared,
                #handler_tokens,
                #abilities
            );

            #[automatically_derived]
            impl #private::KisFunction for #ident {
                #in_decl
                #out_decl
                #plain
                const INFO: &'static #private::FunctionInfo = &__INFO;
            }

            #emits
            #reuse_check
            #call

            #private::inventory::submit! {
                #private::FunctionEntry(&__INFO)
            }
        };
    }
}

/// What the function's row types can do, found by `Probe`'s constants (the attribute cannot see
/// the row types' impls).
fn abilities(private: &Private, input: &syn::Type, output: &TokenStream) -> TokenStream {
    quote! {
        #private::Abilities {
            clone_input: #private::Probe::<#input>::CLONE,
            decode_input: #private::Probe::<#input>::DECODE,
            encode_output: #private::Probe::<#output>::ENCODE,
            fmt_input: #private::Probe::<#input>::FMT,
            fmt_output: #private::Probe::<#output>::FMT,
        }
    }
}

/// The params, param types, actions and connector the function declares: the shared
/// `Declared::NONE` when it declares none of them, as most functions do.
fn declared(private: &Private, args: &Args) -> TokenStream {
    if args.params.is_empty() && args.data_reuse.is_none() && !args.jump && args.conn.is_none() {
        return quote!(&#private::Declared::NONE);
    }
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
    quote! {
        &#private::Declared::__new(
            &[#(#params),*],
            &[#(#param_types),*],
            #private::DeclaredActions::__new(#data_reuse, #jump),
            #conn,
        )
    }
}

/// Where the function declares `actions(data_reuse)`, that its input can be handed on as its
/// output, located at `data_reuse`, so a function that cannot is told there.
fn reuse_check(
    private: &Private,
    args: &Args,
    input: &syn::Type,
    output: &TokenStream,
) -> TokenStream {
    let Some(span) = args.data_reuse else {
        return TokenStream::new();
    };
    let check = respan(
        quote! {
            let _ = <#input as #private::ReusableAs<#output>>::reuse;
        },
        span,
    );
    quote!(const _: () = { #check };)
}

/// A plain `fn` handler as a `PlainFn`: the handler itself, with the call of its shape. Located
/// at the return type, so a return type that is not rows (an error type that does not convert to
/// `BoxError`) is reported there.
fn plain_fn(private: &Private, item: &HandlerFn, handler: &Handler) -> TokenStream {
    let ident = &item.sig.ident;
    // Rows or nothing: the handler itself, which a typed run calls directly. A `Result`: the
    // handler with the call of its return type.
    let shape = match (handler.returns, handler.takes_ctx) {
        (Returns::Rows, false) => quote!(Rows(#ident)),
        (Returns::Rows, true) => quote!(RowsWithCtx(#ident)),
        (Returns::Nothing, false) => quote!(Sink(#ident)),
        (Returns::Nothing, true) => quote!(SinkWithCtx(#ident)),
        (Returns::Result, false) => quote!(returning(&(#ident as _))),
        (Returns::Result, true) => quote!(returning_with_ctx(&(#ident as _))),
    };
    let span = match &item.sig.output {
        syn::ReturnType::Type(_, ty) => ty.span(),
        syn::ReturnType::Default => ident.span(),
    };
    quote_spanned!(span=> #private::PlainFn::#shape)
}

/// The handler's erased call: none for a plain `fn`, which the shared `Call::plain` calls through
/// `PLAIN`; for an `async fn`, `__call`, the handler called on one batch of erased rows as a boxed
/// future.
fn call_fn(
    private: &Private,
    item: &HandlerFn,
    handler: &Handler,
    output: &TokenStream,
    name: &str,
) -> TokenStream {
    let ident = &item.sig.ident;
    let input = &handler.input;
    if item.sig.asyncness.is_none() {
        // A plain `fn` is `PLAIN` (see `plain_fn`): nothing to call it with here.
        return TokenStream::new();
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
                .map(#private::Rows::new::<#output>)
        }))
    };
    quote! {
        fn __call(ctx: &#private::FlowCtx, rows: #private::Rows) -> #private::Call<'_> {
            let _ = &ctx;
            match #private::Rows::downcast::<#input>(rows) {
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
fn param_types(private: &Private, args: &Args) -> Vec<TokenStream> {
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
