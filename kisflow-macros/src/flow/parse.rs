//! The syntax of `flow!`: an optional `crate = path;`, attributes, visibility, `Name:`, then stages
//! joined by `->`, which may end in branches: `-> [c -> d, e]`.

use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Attribute, Ident, Lit, Path, Token, Visibility};

pub(crate) struct FlowInput {
    /// `crate = path;`: where generated code finds kisflow, when not at `::kisflow`.
    pub(crate) krate: Option<Path>,
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) name: Ident,
    /// Every function: the trunk, then each branch in order.
    pub(crate) stages: Vec<StageInput>,
    /// Where each branch starts in `stages`; empty for a chain.
    pub(crate) branches: Vec<usize>,
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
        if input.peek(syn::token::Bracket) {
            return Err(input.error(format!(
                "a flow starts with a function before its branches: `flow!({name}: first -> [a, b])`"
            )));
        }
        let mut stages = parse_chain(input, false)?;
        let mut branches = Vec::new();
        if input.peek(syn::token::Bracket) {
            branches = parse_branches(input, &mut stages)?;
        }
        Ok(Self {
            krate,
            attrs,
            vis,
            name,
            stages,
            branches,
        })
    }
}

/// Functions joined by `->`, up to the end of `input`, a `[` (the branches) or, `in_branch`, a
/// `,` (the end of the branch), which is left for the caller.
fn parse_chain(input: ParseStream<'_>, in_branch: bool) -> syn::Result<Vec<StageInput>> {
    // The end of this chain: of the input, or of the branch at a comma.
    let ends = |input: ParseStream<'_>| input.is_empty() || (in_branch && input.peek(Token![,]));
    let mut stages = vec![input.parse()?];
    while !ends(input) {
        let arrow: Token![->] = input
            .parse()
            .map_err(|_| input.error("expected `->` between two functions"))?;
        if ends(input) {
            return Err(syn::Error::new_spanned(
                arrow,
                "expected a function after `->`",
            ));
        }
        if input.peek(syn::token::Bracket) {
            break;
        }
        stages.push(input.parse()?);
    }
    Ok(stages)
}

/// `[c -> d, e]` at the end of the flow: two or more branches, each a chain, appended to
/// `stages`. Gives back where each branch starts.
fn parse_branches(input: ParseStream<'_>, stages: &mut Vec<StageInput>) -> syn::Result<Vec<usize>> {
    let content;
    let bracket = syn::bracketed!(content in input);
    let mut branches = Vec::new();
    while !content.is_empty() {
        if content.peek(syn::token::Bracket) {
            return Err(content.error(
                "a branch starts with a function, and branches do not nest: only the flow's \
                 trunk may end in `[...]`",
            ));
        }
        branches.push(stages.len());
        let chain = parse_chain(&content, true)?;
        stages.extend(chain);
        if content.peek(syn::token::Bracket) {
            return Err(content.error(
                "branches do not nest: only the flow's trunk may end in `[...]`; declare the \
                 inner branches as a chain of their own, or list them in the outer brackets",
            ));
        }
        if !content.is_empty() {
            content.parse::<Token![,]>()?;
        }
    }
    if branches.len() < 2 {
        return Err(syn::Error::new(
            bracket.span.join(),
            "a fan-out `[...]` lists two branches or more, separated by commas: `b -> [c -> d, e]`; \
             for a single chain write `b -> c -> d` without brackets",
        ));
    }
    if !input.is_empty() {
        return Err(input.error(
            "nothing may follow the branches: put the functions that come after into a branch, \
             inside `[...]`",
        ));
    }
    Ok(branches)
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
