//! Checks the handler's shape and reads its row types: what the runtime can call, and nothing else.

use syn::spanned::Spanned;
use syn::{FnArg, GenericArgument, PathArguments, ReturnType, Type};

use super::parse::HandlerFn;
use crate::errors::Errors;
use crate::type_text::type_text;

const SHAPE: &str = "a kis_function takes `rows: Vec<Row>`, optionally after `ctx: &FlowCtx`";
const RETURNS: &str = "a kis_function returns `Vec<Row>` or `kisflow::Result<Vec<Row>>`, or `()` or \
                       `kisflow::Result<()>` for a sink that emits nothing";

/// What expansion needs to know about a valid handler.
pub(crate) struct Handler {
    pub(crate) takes_ctx: bool,
    pub(crate) input: Type,
    /// `None` for a sink.
    pub(crate) output: Option<Type>,
    /// What the handler returns, as written.
    pub(crate) returns: Returns,
}

/// What a handler returns, as written: rows or nothing, which a typed run calls directly, or a
/// `Result` of them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Returns {
    /// `Vec<Row>`.
    Rows,
    /// `()`, or nothing written.
    Nothing,
    /// `Result<Vec<Row>, E>` or `Result<(), E>`.
    Result,
}

pub(crate) fn handler(item: &HandlerFn) -> syn::Result<Handler> {
    let sig = &item.sig;
    let mut errors = Errors::default();
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.push(syn::Error::new_spanned(
            &sig.generics,
            "a kis_function cannot be generic: the registry needs one concrete row type in and out; \
             write one function per row type",
        ));
    }
    if let syn::Safety::Unsafe(token) = &sig.safety {
        errors.push(syn::Error::new_spanned(
            token,
            "a kis_function cannot be `unsafe`",
        ));
    }
    if let Some(variadic) = &sig.variadic {
        errors.push(syn::Error::new_spanned(variadic, SHAPE));
    }
    let params = params(sig, &mut errors);
    let output = output(&sig.output).map_err(|e| errors.push(e)).ok();
    errors.finish()?;
    let (takes_ctx, input) = params.expect("params are present when there is no error");
    let (output, returns) = output.expect("the output is read when there is no error");
    Ok(Handler {
        takes_ctx,
        input,
        output,
        returns,
    })
}

/// Reads `(ctx: &FlowCtx,)? rows: Vec<In>`; returns whether a context comes first and `In`.
fn params(sig: &syn::Signature, errors: &mut Errors) -> Option<(bool, Type)> {
    let mut typed = Vec::new();
    for arg in &sig.inputs {
        match arg {
            FnArg::Receiver(receiver) => errors.push(syn::Error::new_spanned(
                receiver,
                "a kis_function is a free function, not a method; move it out of the `impl` block",
            )),
            FnArg::Typed(pat) => typed.push(&*pat.ty),
        }
    }
    match typed.as_slice() {
        [] => {
            errors.push(syn::Error::new(
                sig.paren_token.span.join(),
                format!("missing the rows parameter: {SHAPE}"),
            ));
            None
        }
        [only] if is_flow_ctx(only) => {
            errors.push(syn::Error::new_spanned(
                only,
                format!("missing the rows parameter after `&FlowCtx`: {SHAPE}"),
            ));
            None
        }
        [rows] => rows_type(rows)
            .map_err(|e| errors.push(e))
            .ok()
            .map(|t| (false, t)),
        [ctx, rows] => {
            let ctx_ok = check_ctx(ctx).map_err(|e| errors.push(e)).is_ok();
            let rows = rows_type(rows).map_err(|e| errors.push(e)).ok();
            rows.filter(|_| ctx_ok).map(|t| (true, t))
        }
        [_, _, extra, ..] => {
            errors.push(syn::Error::new_spanned(
                extra,
                format!("too many parameters: {SHAPE}"),
            ));
            None
        }
    }
}

fn check_ctx(ty: &Type) -> syn::Result<()> {
    if let Type::Reference(reference) = ty
        && let Some(mutability) = reference.mutability
        && last_segment_is(&reference.elem, "FlowCtx")
    {
        return Err(syn::Error::new_spanned(
            mutability,
            "`FlowCtx` is shared with the flow: take it as `&FlowCtx`, not `&mut FlowCtx`",
        ));
    }
    if is_flow_ctx(ty) {
        return Ok(());
    }
    Err(syn::Error::new_spanned(
        ty,
        format!(
            "expected `&FlowCtx` as the first of two parameters, found `{}`; {SHAPE}",
            type_text(ty)
        ),
    ))
}

fn is_flow_ctx(ty: &Type) -> bool {
    matches!(ty, Type::Reference(r) if r.mutability.is_none() && last_segment_is(&r.elem, "FlowCtx"))
}

fn rows_type(ty: &Type) -> syn::Result<Type> {
    single_arg_of(ty, "Vec").ok_or_else(|| {
        syn::Error::new_spanned(
            ty,
            format!(
                "expected the rows parameter to be `Vec<Row>`, found `{}`; {SHAPE}",
                type_text(ty)
            ),
        )
    })
}

fn output(output: &ReturnType) -> syn::Result<(Option<Type>, Returns)> {
    let ty = match output {
        ReturnType::Default => return Ok((None, Returns::Nothing)),
        ReturnType::Type(_, ty) => &**ty,
    };
    if is_unit(ty) {
        return Ok((None, Returns::Nothing));
    }
    if let Some(row) = single_arg_of(ty, "Vec") {
        return Ok((Some(row), Returns::Rows));
    }
    if let Some(ok) = first_arg_of(ty, "Result") {
        if is_unit(&ok) {
            return Ok((None, Returns::Result));
        }
        if let Some(row) = single_arg_of(&ok, "Vec") {
            return Ok((Some(row), Returns::Result));
        }
    }
    Err(syn::Error::new(
        ty.span(),
        format!("{RETURNS}; found `{}`", type_text(ty)),
    ))
}

fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(t) if t.elems.is_empty())
}

fn last_segment_is(ty: &Type, name: &str) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none() && p.path.segments.last().is_some_and(|s| s.ident == name))
}

/// `T` of `Name<T>` (any path ending in `Name`) when `T` is its only argument.
fn single_arg_of(ty: &Type, name: &str) -> Option<Type> {
    let args = generic_args(ty, name)?;
    if args.len() != 1 {
        return None;
    }
    first_type(args)
}

/// The first type argument of `Name<T, …>`.
fn first_arg_of(ty: &Type, name: &str) -> Option<Type> {
    first_type(generic_args(ty, name)?)
}

fn generic_args<'a>(
    ty: &'a Type,
    name: &str,
) -> Option<&'a syn::punctuated::Punctuated<GenericArgument, syn::Token![,]>> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if path.qself.is_some() || last.ident != name {
        return None;
    }
    match &last.arguments {
        PathArguments::AngleBracketed(args) => Some(&args.args),
        _ => None,
    }
}

fn first_type(args: &syn::punctuated::Punctuated<GenericArgument, syn::Token![,]>) -> Option<Type> {
    match args.first()? {
        GenericArgument::Type(ty) => Some(ty.clone()),
        _ => None,
    }
}
