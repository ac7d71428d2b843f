//! `flow!(Name: a -> b(key = "value") -> c)`: parse, validate, then expand to a flow type whose
//! edges the compiler checks.

mod expand;
mod parse;
mod validate;

use proc_macro2::TokenStream;

use self::parse::FlowInput;

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    syn::parse2::<FlowInput>(input)
        .and_then(|flow| {
            validate::flow(&flow)?;
            Ok(expand::expand(&flow))
        })
        .unwrap_or_else(syn::Error::into_compile_error)
}
