//! The syntax of `flow!`: an optional `crate = path;`, attributes, visibility, `Name:`, then stages
//! joined by `->`.

use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Attribute, Ident, Lit, Path, Token, Visibility};

pub(crate) struct FlowInput {
    /// `crate = path;`: where generated code finds kisflow, when not at `::kisflow`.
    pub(crate) krate: Option<Path>,
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) name: Ident,
    pub(crate) stages: Vec<StageInput>,
}

/// One function of the flow, `path` or `path(key = value, …)`.
pub(crate) struct StageInput {
    pub(crate) path: Path,
    pub(crate) params: Vec<Param>,
}

pub(crate) struct Param {
    pub(crate) key: Ident,
    pub(crate) value: Lit,
}

impl Parse for FlowInput {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let krate = parse_krate(input)?;
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        if input.is_empty() {
            return Err(input.error("expected a flow name: `flow!(Name: first -> second)`"));
        }
        let name: Ident = input.parse()?;
        input.parse::<Token![:]>().map_err(|_| {
            syn::Error::new(
                name.span(),
                format!("expected `:` after the flow name: `flow!({name}: first -> second)`"),
            )
        })?;
        if input.is_empty() {
            return Err(syn::Error::new(
                name.span(),
                format!(
                    "flow `{name}` has no functions; list them after the colon: `flow!({name}: first -> second)`"
                ),
            ));
        }
        let mut stages = vec![input.parse()?];
        while !input.is_empty() {
            let arrow: Token![->] = input
                .parse()
                .map_err(|_| input.error("expected `->` between two functions"))?;
            if input.is_empty() {
                return Err(syn::Error::new_spanned(
                    arrow,
                    "expected a function after `->`",
                ));
            }
            stages.push(input.parse()?);
        }
        Ok(Self {
            krate,
            attrs,
            vis,
            name,
            stages,
        })
    }
}

/// `crate = path;` before everything else, or nothing.
fn parse_krate(input: ParseStream<'_>) -> syn::Result<Option<Path>> {
    if !input.peek(Token![crate]) {
        return Ok(None);
    }
    let keyword: Token![crate] = input.parse()?;
    if input.parse::<Option<Token![=]>>()?.is_none() {
        return Err(syn::Error::new(keyword.span, crate::krate::missing_value()));
    }
    let path = crate::krate::parse_path(input)?;
    input.parse::<Token![;]>().map_err(|err| {
        syn::Error::new(
            err.span(),
            "expected `;` after the crate path: `flow!(crate = my_reexport::kisflow; Name: first -> second)`",
        )
    })?;
    Ok(Some(path))
}

impl Parse for StageInput {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let path = input.call(Path::parse_mod_style).map_err(|e| {
            syn::Error::new(e.span(), "expected the name or path of a #[kis_function]")
        })?;
        let params = if input.peek(syn::token::Paren) {
            let content;
            syn::parenthesized!(content in input);
            Punctuated::<Param, Token![,]>::parse_terminated(&content)?
                .into_iter()
                .collect()
        } else {
            Vec::new()
        };
        Ok(Self { path, params })
    }
}

impl Parse for Param {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let key: Ident = input.call(syn::ext::IdentExt::parse_any)?;
        input
            .parse::<Token![=]>()
            .map_err(|_| syn::Error::new(key.span(), format!("expected `{key} = \"value\"`")))?;
        let value: Lit = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                format!("expected a literal value for param `{key}`, as in `{key} = \"value\"`"),
            )
        })?;
        Ok(Self { key, value })
    }
}
