//! The annotated item: a function whose body is kept as tokens, never parsed, so expansion stays
//! fast and IDE completion keeps working inside half-typed bodies.

use proc_macro2::{Delimiter, Group, TokenStream};
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Signature, Visibility};

pub(crate) struct HandlerFn {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) sig: Signature,
    pub(crate) body: Group,
}

impl Parse for HandlerFn {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        if !input.peek(syn::Token![fn]) && !is_fn_with_qualifiers(input) {
            return Err(input.error(
                "#[kis_function] goes on a function: `async fn name(rows: Vec<Row>) -> …`",
            ));
        }
        let sig: Signature = input.parse()?;
        let body: Group = input.parse()?;
        if body.delimiter() != Delimiter::Brace {
            return Err(syn::Error::new(
                body.span(),
                "expected the function's body in braces",
            ));
        }
        Ok(Self {
            attrs,
            vis,
            sig,
            body,
        })
    }
}

/// `async fn`, `const fn`, `unsafe fn`, `extern "C" fn`: a function with qualifiers before `fn`.
fn is_fn_with_qualifiers(input: ParseStream<'_>) -> bool {
    let fork = input.fork();
    fork.parse::<Signature>().is_ok()
}

impl ToTokens for HandlerFn {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        for attr in &self.attrs {
            attr.to_tokens(tokens);
        }
        self.vis.to_tokens(tokens);
        self.sig.to_tokens(tokens);
        self.body.to_tokens(tokens);
    }
}
