//! Domain values stored (and sent) as one of a fixed set of words: `status = 'open'`.

/// Declares an enum whose values are stored as fixed words (a `Copy` value compared with `==`:
/// it derives `Debug, Clone, Copy, PartialEq, Eq`; it is sent and received in JSON as the same
/// word, with its schema in the API document; it displays as the word), and writes for it `ALL` (every
/// value, in the order declared), `WORDS` (their words, which a form's choices iterate),
/// `as_str` (the stored word) and `parse` (the word, trimmed;
/// anything else is the error code given after the name); with `blank = Variant`, also
/// `chosen`, which reads a blank input as that variant. A value read back from the database
/// is parsed the same way (`sanshe_store`'s `FromCell`), so a word no variant spells fails the
/// read instead of becoming a default.
///
/// ```ignore
/// spelled! {
///     /// Where a need stands.
///     pub enum NeedStatus("err-need-status") {
///         /// Nobody yet.
///         Open = "open",
///         /// Some.
///         PartlyMet = "partly_met",
///     }
/// }
/// ```
macro_rules! spelled {
    (
        $(#[$meta:meta])*
        pub enum $name:ident($error:literal $(, blank = $blank:ident)?) {
            $( $(#[$variant_meta:meta])* $variant:ident = $word:literal, )+
        }
    ) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, ::serde::Serialize, ::serde::Deserialize)]
        $(#[$meta])*
        pub enum $name {
            $( $(#[$variant_meta])* #[serde(rename = $word)] $variant, )+
        }

        // Written by hand rather than derived: the derive read the variants' names, not the
        // words they are renamed to, so the document would have listed `MissedReport` where
        // the API sends `missed_report`.
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($word),+]))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}

        impl std::fmt::Display for $name {
            /// Writes the stored word, as templates and messages show it.
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $name {
            /// Every value, in the order declared.
            pub const ALL: [$name; [$($word),+].len()] = [$($name::$variant),+];

            /// Every value's word, in the order declared (what a form offers).
            pub const WORDS: [&'static str; [$($word),+].len()] = [$($word),+];

            /// The stored (and API) word.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word,)+
                }
            }

            /// Parses the stored word (surrounding spaces ignored).
            pub fn parse(raw: &str) -> Result<$name, &'static str> {
                match raw.trim() {
                    $($word => Ok($name::$variant),)+
                    _ => Err($error),
                }
            }

            $(
                /// What someone chose on a form or in a body, where choosing nothing means
                #[doc = concat!("`", stringify!($blank), "`.")]
                pub fn chosen(raw: &str) -> Result<$name, &'static str> {
                    if raw.trim().is_empty() {
                        Ok($name::$blank)
                    } else {
                        $name::parse(raw)
                    }
                }
            )?
        }
    };
}
pub(crate) use spelled;

#[cfg(test)]
mod tests {
    spelled! {
        /// A test enum.
        pub enum Light("err-direction", blank = Green) {
            /// Go.
            Green = "green",
            /// Stop.
            Red = "red",
        }
    }

    #[test]
    fn every_value_reads_back_from_its_word_and_nothing_else_parses() {
        assert_eq!(Light::ALL, [Light::Green, Light::Red]);
        assert_eq!(Light::WORDS, ["green", "red"]);
        for light in Light::ALL {
            assert_eq!(Light::parse(light.as_str()), Ok(light));
        }
        assert_eq!(Light::parse(" red "), Ok(Light::Red));
        assert_eq!(Light::parse("Red"), Err("err-direction"));
        assert_eq!(Light::parse(""), Err("err-direction"));
        assert_eq!(Light::chosen(" "), Ok(Light::Green));
        assert_eq!(Light::chosen("red"), Ok(Light::Red));
        assert_eq!(Light::chosen("amber"), Err("err-direction"));
    }
}
