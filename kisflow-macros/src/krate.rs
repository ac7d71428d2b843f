//! How generated code names the runtime: the one place that spells its path. By default that is
//! `::kisflow::__private`; `crate = path` (in `#[kis_function(…)]` and `flow!(crate = path; …)`)
//! makes it `path::__private`, for crates that reach kisflow through a re-export.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::parse::ParseStream;
use syn::{LitStr, Path};

/// The example every `crate = …` message shows.
const EXAMPLE: &str = "crate = my_reexport::kisflow";

/// The module of re-exports generated code uses: `::kisflow::__private`, or `path::__private`
/// when the user gave `crate = path`.
///
/// Kept as single tokens rather than a `TokenStream`: `quote!` interpolates a stream by flushing
/// and joining streams through the compiler's bridge, a round trip per use, and tokens by pushing
/// them. Generated code names this path dozens of times per expansion.
#[derive(Clone)]
pub(crate) struct Private {
    tokens: Vec<TokenTree>,
}

impl Private {
    pub(crate) fn new(krate: Option<&Path>) -> Self {
        let path = match krate {
            Some(path) => quote!(#path::__private),
            None => quote!(::kisflow::__private),
        };
        Self {
            tokens: path.into_iter().collect(),
        }
    }

    /// The name generated code gives this path inside its own `const _: () = { … }` block, with
    /// `use path as __kisflow;`: one token where the path is seven, at each of the dozens of places
    /// generated code names it, which the macro and the compiler would each go through.
    pub(crate) fn alias() -> Self {
        Self {
            tokens: vec![TokenTree::Ident(proc_macro2::Ident::new(
                "__kisflow",
                Span::call_site(),
            ))],
        }
    }

    /// The same path located at `span`, as `quote_spanned!` locates its own tokens.
    pub(crate) fn at(&self, span: Span) -> Self {
        let mut tokens = self.tokens.clone();
        for token in &mut tokens {
            token.set_span(span);
        }
        Self { tokens }
    }
}

/// `Location { file, line, column }` of the macro call. Literals from the compiler's own span when
/// a macro is running: `file!()`, `line!()` and `column!()` are each a macro of their own for the
/// compiler to resolve and expand, at every function and flow. Outside a macro (the unit tests
/// of this crate) those three.
pub(crate) fn location(private: &Private) -> TokenStream {
    if !proc_macro::is_available() {
        return quote! {
            #private::Location {
                file: #private::file!(),
                line: #private::line!(),
                column: #private::column!(),
            }
        };
    }
    let span = proc_macro::Span::call_site();
    let file = span.file();
    let line = u32::try_from(span.line()).unwrap_or(u32::MAX);
    let column = u32::try_from(span.column()).unwrap_or(u32::MAX);
    quote!(#private::Location { file: #file, line: #line, column: #column })
}

impl ToTokens for Private {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend(self.tokens.iter().cloned());
    }
}

/// The path after `crate =`: a plain path without generics, as in `crate = my_reexport::kisflow`.
pub(crate) fn parse_path(input: ParseStream<'_>) -> syn::Result<Path> {
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        let message = match syn::parse_str::<Path>(&lit.value()) {
            Ok(_) => format!(
                "`crate` takes a path, not a string: write `crate = {}` without quotes",
                lit.value()
            ),
            Err(_) => format!("`crate` takes a path, not a string, as in `{EXAMPLE}`"),
        };
        return Err(syn::Error::new(lit.span(), message));
    }
    input.call(Path::parse_mod_style).map_err(|err| {
        syn::Error::new(
            err.span(),
            format!("expected the path of the kisflow crate after `crate =`, as in `{EXAMPLE}`"),
        )
    })
}

/// The message for a `crate` with no `= path`.
pub(crate) fn missing_value() -> String {
    format!("expected a path after `crate`, as in `{EXAMPLE}`")
}

#[cfg(test)]
mod tests {
    use quote::quote;

    /// Every runtime path of both expansions goes through the override, so no `::kisflow` is left.
    #[test]
    fn crate_path_reaches_every_runtime_path() {
        let function = crate::kis_function::expand(
            quote!(
                mode = "Calculate",
                crate = my_reexport::engine,
                actions(data_reuse)
            ),
            quote!(
                async fn double(rows: Vec<i64>) -> Vec<i64> {
                    rows
                }
            ),
        )
        .to_string();
        let flow =
            crate::flow::expand(quote!(crate = my_reexport::engine; pub Doubled: double -> double))
                .to_string();
        for out in [function, flow] {
            assert!(!out.contains("compile_error"), "{out}");
            assert!(!out.contains(":: kisflow"), "{out}");
            assert!(out.contains("my_reexport :: engine :: __private"), "{out}");
        }
    }

    #[test]
    fn default_path_is_kisflow() {
        let flow = crate::flow::expand(quote!(Doubled: double)).to_string();
        assert!(flow.contains(":: kisflow :: __private"), "{flow}");
    }
}
