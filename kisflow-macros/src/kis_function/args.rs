//! The attribute's arguments: `mode = "Calculate"` (required), `name = "AvgStuScore"`,
//! `params(key = "value", typed: u32 = 100, …)`, `actions(data_reuse, jump)`, `conn = "cname"` and
//! `crate = my_reexport::kisflow`.

use std::collections::HashSet;

use proc_macro2::{Span, TokenStream};
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::spanned::Spanned;
use syn::{Lit, LitStr};

use crate::errors::Errors;
use crate::param::param_text;

/// The five modes, as written in the attribute and in YAML, with the runtime variant they expand to.
const MODES: &[&str] = &["Verify", "Save", "Load", "Calculate", "Expand"];

const KEYS: &str = "`mode`, `name`, `params`, `actions`, `conn`, `crate`";

pub(crate) struct Args {
    /// The mode's variant name in `kisflow::Mode`.
    pub(crate) mode: &'static str,
    pub(crate) name: Option<LitStr>,
    /// Default params, in the order written.
    pub(crate) params: Vec<Param>,
    /// Where `data_reuse` is declared, if it is: the reuse check is reported there.
    pub(crate) data_reuse: Option<Span>,
    pub(crate) jump: bool,
    pub(crate) conn: Option<LitStr>,
    /// `crate = path`: where generated code finds kisflow, when not at `::kisflow`.
    pub(crate) krate: Option<syn::Path>,
}

/// One default param: `key = value`, or `key: Type = value` for a param of a declared type.
pub(crate) struct Param {
    pub(crate) key: String,
    /// The value as text: params are strings, as in `KisFlow`.
    pub(crate) text: String,
    pub(crate) value: Lit,
    /// The declared type, which the value and every configured value must parse as.
    pub(crate) ty: Option<syn::Type>,
}

impl Args {
    /// The arguments, and every error in them. With errors, the arguments hold what could be read
    /// and stand-ins for the rest (mode `Calculate`), so that expansion can go on and code using the
    /// function sees only the real errors.
    pub(crate) fn parse(tokens: TokenStream) -> (Self, syn::Result<()>) {
        let mut mode = None;
        let mut name = None;
        let mut params = None;
        let mut actions = None;
        let mut conn = None;
        let mut krate = None;
        let mut errors = Errors::default();
        let parser = syn::meta::parser(|meta| {
            let result = if meta.path.is_ident("mode") {
                set_once(&mut mode, &meta, "mode", parse_mode)
            } else if meta.path.is_ident("name") {
                set_once(&mut name, &meta, "name", parse_name)
            } else if meta.path.is_ident("params") {
                set_once(&mut params, &meta, "params", parse_params)
            } else if meta.path.is_ident("actions") {
                set_once(&mut actions, &meta, "actions", parse_actions)
            } else if meta.path.is_ident("conn") {
                set_once(&mut conn, &meta, "conn", parse_conn)
            } else if meta.path.is_ident("crate") {
                set_once(&mut krate, &meta, "crate", parse_krate)
            } else {
                Err(meta.error(format_args!(
                    "unknown kis_function argument `{}`, expected one of {KEYS}",
                    path_text(&meta.path)
                )))
            };
            // Keep going after a bad value, so one compile reports every bad argument.
            if let Err(err) = result {
                errors.push(err);
                skip_value(&meta);
            }
            Ok(())
        });
        if let Err(err) = parser.parse2(tokens) {
            errors.push(err);
        }
        let mut result = errors.finish();
        if mode.is_none() && result.is_ok() {
            result = Err(syn::Error::new(
                Span::call_site(),
                "missing `mode`: write `#[kis_function(mode = \"Calculate\")]` with one of \
                 \"Verify\", \"Save\", \"Load\", \"Calculate\", \"Expand\"",
            ));
        }
        let (data_reuse, jump) = actions.unwrap_or_default();
        let args = Self {
            mode: mode.unwrap_or("Calculate"),
            name,
            params: params.unwrap_or_default(),
            data_reuse,
            jump,
            conn,
            krate,
        };
        (args, result)
    }
}

/// Stores one key's value; a second occurrence is an error at the repeated key.
fn set_once<T>(
    slot: &mut Option<T>,
    meta: &ParseNestedMeta<'_>,
    key: &str,
    parse: fn(&ParseNestedMeta<'_>) -> syn::Result<T>,
) -> syn::Result<()> {
    if slot.is_some() {
        return Err(meta.error(format_args!("`{key}` specified more than once")));
    }
    *slot = Some(parse(meta)?);
    Ok(())
}

fn parse_mode(meta: &ParseNestedMeta<'_>) -> syn::Result<&'static str> {
    let lit = string_value(meta, "mode", "Calculate")?;
    let value = lit.value();
    if let Some(mode) = MODES.iter().find(|m| **m == value) {
        return Ok(mode);
    }
    let listed = MODES
        .iter()
        .map(|m| format!("\"{m}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let hint = MODES
        .iter()
        .find(|m| m.eq_ignore_ascii_case(&value))
        .map(|m| format!("; modes are case-sensitive: did you mean \"{m}\"?"))
        .unwrap_or_default();
    Err(syn::Error::new(
        lit.span(),
        format!("unknown mode \"{value}\", expected one of {listed}{hint}"),
    ))
}

fn parse_name(meta: &ParseNestedMeta<'_>) -> syn::Result<LitStr> {
    let lit = string_value(meta, "name", "AvgStuScore")?;
    if lit.value().trim().is_empty() {
        return Err(syn::Error::new(
            lit.span(),
            "`name` must not be empty; leave it out to use the function's own name",
        ));
    }
    Ok(lit)
}

/// `params(key = "value", …)`: string, number or boolean literals, each key once.
fn parse_params(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<Param>> {
    let mut params = Vec::new();
    let mut seen = HashSet::new();
    let mut errors = Errors::default();
    meta.parse_nested_meta(|param| {
        let key = path_text(&param.path);
        // `key: Type = value` declares the param's type.
        let ty = if param.input.peek(syn::Token![:]) {
            param.input.parse::<syn::Token![:]>()?;
            Some(param.input.parse::<syn::Type>()?)
        } else {
            None
        };
        let value = param
            .value()
            .map_err(|_| param.error(format_args!("expected `{key} = \"value\"`")))
            .and_then(|value| {
                value.parse::<Lit>().map_err(|err| {
                    syn::Error::new(
                        err.span(),
                        format_args!(
                            "a param value is a string, number or boolean literal, as in \
                             `{key} = \"value\"`"
                        ),
                    )
                })
            });
        let result = value.and_then(|value| {
            let text = param_text(&value).ok_or_else(|| {
                syn::Error::new(
                    value.span(),
                    "a param value is a string, number or boolean literal",
                )
            })?;
            if !seen.insert(key.clone()) {
                return Err(param.error(format_args!("param `{key}` given twice")));
            }
            params.push(Param {
                key,
                text,
                value,
                ty,
            });
            Ok(())
        });
        // Keep going inside the list, so one compile reports every bad param.
        if let Err(err) = result {
            errors.push(err);
            skip_value(&param);
        }
        Ok(())
    })?;
    errors.finish()?;
    Ok(params)
}

/// `actions(data_reuse, jump)`: the actions that change which rows a later function sees.
fn parse_actions(meta: &ParseNestedMeta<'_>) -> syn::Result<(Option<Span>, bool)> {
    let mut data_reuse = None;
    let mut jump = false;
    let mut errors = Errors::default();
    meta.parse_nested_meta(|action| {
        let name = path_text(&action.path);
        match name.as_str() {
            "data_reuse" => data_reuse = Some(action.path.span()),
            "jump" => jump = true,
            "abort" | "force_entry_next" => errors.push(action.error(format_args!(
                "`{name}` needs no declaration: any function may take it; `actions(...)` lists \
                 only `data_reuse` and `jump`"
            ))),
            _ => errors.push(action.error(format_args!(
                "unknown action `{name}`, expected `data_reuse` or `jump`"
            ))),
        }
        skip_value(&action);
        Ok(())
    })?;
    errors.finish()?;
    Ok((data_reuse, jump))
}

fn parse_conn(meta: &ParseNestedMeta<'_>) -> syn::Result<LitStr> {
    let lit = string_value(meta, "conn", "Score12Cache")?;
    if lit.value().trim().is_empty() {
        return Err(syn::Error::new(
            lit.span(),
            "`conn` must not be empty; write the `cname` of the connector to bind",
        ));
    }
    Ok(lit)
}

fn parse_krate(meta: &ParseNestedMeta<'_>) -> syn::Result<syn::Path> {
    let value = meta
        .value()
        .map_err(|_| meta.error(crate::krate::missing_value()))?;
    crate::krate::parse_path(value)
}

/// The `= "…"` of a key, which must be a string literal.
fn string_value(meta: &ParseNestedMeta<'_>, key: &str, example: &str) -> syn::Result<LitStr> {
    let value = meta.value().map_err(|_| {
        meta.error(format_args!(
            "expected a value for `{key}`, as in `{key} = \"{example}\"`"
        ))
    })?;
    let expr: syn::Expr = value.parse()?;
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(lit),
            ..
        }) => Ok(lit),
        other => Err(syn::Error::new_spanned(
            other,
            format!("expected a string literal, as in `{key} = \"{example}\"`"),
        )),
    }
}

/// After an error inside one argument, consumes the rest of it so parsing resumes at the next comma.
fn skip_value(meta: &ParseNestedMeta<'_>) {
    let _ = meta.input.step(|cursor| {
        let mut rest = *cursor;
        while let Some((tt, next)) = rest.token_tree() {
            if matches!(&tt, proc_macro2::TokenTree::Punct(p) if p.as_char() == ',') {
                break;
            }
            rest = next;
        }
        Ok(((), rest))
    });
}

fn path_text(path: &syn::Path) -> String {
    crate::type_text::type_text(path)
}
