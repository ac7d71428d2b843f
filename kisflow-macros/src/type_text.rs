//! Types as a user wrote them, for error messages (`Vec<StuAvg>`, not `Vec < StuAvg >`).

use quote::ToTokens;

/// The type's tokens joined the way rustfmt would print a simple type.
pub(crate) fn type_text(ty: &impl ToTokens) -> String {
    let spaced = ty.to_token_stream().to_string();
    let mut text = String::with_capacity(spaced.len());
    let mut chars = spaced.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        let prev = text.chars().last();
        let drop_space = c == ' '
            && (matches!(next, Some('<' | '>' | ',' | ':' | ')' | ']'))
                || matches!(prev, Some('<' | ':' | '&' | '(' | '[')));
        if !drop_space {
            text.push(c);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::type_text;

    #[test]
    fn joins_tokens_like_rustfmt() {
        let ty: syn::Type = syn::parse_quote!(kisflow::Result<Vec<(my::Row, &'static str)>>);
        assert_eq!(
            type_text(&ty),
            "kisflow::Result<Vec<(my::Row, &'static str)>>"
        );
        let ty: syn::Type = syn::parse_quote!(&mut [u8]);
        assert_eq!(type_text(&ty), "&mut [u8]");
    }
}
