//! The macros that declare row types: `query_row!` for a row a query reads, `row!` for a
//! table's row that is also inserted whole.

/// Declares a row a query reads (joined or computed columns, no table of its own to write it
/// to): the struct and its `FromRow`, each field read by its column name, failing on a missing
/// column or a wrong type.
macro_rules! query_row {
    (
        $(#[$meta:meta])*
        pub struct $row:ident {
            $( $(#[$field_meta:meta])* pub $field:ident : $ty:ty, )+
        }
    ) => {
        $(#[$meta])*
        pub struct $row {
            $( $(#[$field_meta])* pub $field: $ty, )+
        }

        impl $crate::statements::FromRow for $row {
            fn from_row(r: &$crate::statements::Row) -> $crate::Result<$row> {
                Ok($row {
                    $($field: r.try_get(stringify!($field))?,)+
                })
            }
        }
    };
}
pub(crate) use query_row;

/// Declares a table's row once: what `query_row!` writes, and `COLUMNS`, the list a `SELECT`
/// names in the fields' order, and `TableRow`, which `Statements::insert` writes it by. A row
/// with columns its table does not have is a `query_row!`, so it cannot be inserted.
macro_rules! row {
    (
        $(#[$meta:meta])*
        pub struct $row:ident {
            $( $(#[$field_meta:meta])* pub $field:ident : $ty:ty, )+
        }
    ) => {
        $crate::query_row! {
            $(#[$meta])*
            pub struct $row {
                $( $(#[$field_meta])* pub $field: $ty, )+
            }
        }

        impl $row {
            /// The columns it is read from, in the fields' order.
            #[allow(dead_code)]
            pub(crate) const COLUMNS: &'static str = $crate::column_list!($($field),+);
        }

        impl $crate::statements::TableRow for $row {
            const COLUMNS: &'static str = $row::COLUMNS;

            fn cells(&self) -> Vec<$crate::statements::Cell> {
                vec![$($crate::statements::Cell::from(self.$field.clone()),)+]
            }
        }
    };
}
pub(crate) use row;

/// `a, b, c` from the names `a`, `b`, `c`.
macro_rules! column_list {
    ($first:ident $(, $rest:ident)*) => {
        concat!(stringify!($first) $(, ", ", stringify!($rest))*)
    };
}
pub(crate) use column_list;

/// A domain value stored as a word (core's `spelled!` enums): bound as its word, and read back
/// by parsing it, so a word no variant spells fails the read (naming the column) instead of
/// becoming a default somewhere above.
macro_rules! stored_as_word {
    ($($ty:ty),+ $(,)?) => {$(
        impl $crate::statements::FromCell for $ty {
            fn from_cell(cell: &$crate::statements::Cell) -> Option<$ty> {
                match cell {
                    $crate::statements::Cell::Text(word) => <$ty>::parse(word).ok(),
                    _ => None,
                }
            }
        }

        impl From<$ty> for $crate::statements::Cell {
            fn from(value: $ty) -> $crate::statements::Cell {
                $crate::statements::Cell::Text(value.as_str().to_string())
            }
        }

        impl From<Option<$ty>> for $crate::statements::Cell {
            fn from(value: Option<$ty>) -> $crate::statements::Cell {
                value.map_or($crate::statements::Cell::NullText, Into::into)
            }
        }
    )+};
}

stored_as_word!(
    sanshe_core::accounts::Role,
    sanshe_core::accounts::SessionKind,
    sanshe_core::alerts::AlertKind,
    sanshe_core::alerts::AlertSubject,
    sanshe_core::alerts::AlertStatus,
    sanshe_core::alerts::WebhookKind,
    sanshe_core::areas::AreaKind,
    sanshe_core::campaigns::CampaignStatus,
    sanshe_core::campaigns::VisitOutcome,
    sanshe_core::contacts::Transport,
    sanshe_core::gates::Direction,
    sanshe_core::gates::VisitorKind,
    sanshe_core::help::HelpStatus,
    sanshe_core::help::Urgency,
    sanshe_core::identity::DocumentKind,
    sanshe_core::identity::Sex,
    sanshe_core::isolation::EpisodeKind,
    sanshe_core::isolation::Symptom,
    sanshe_core::isolation::ReleaseReason,
    sanshe_core::isolation::EpisodeStatus,
    sanshe_core::isolation::FollowUpMode,
    sanshe_core::needs::NeedKind,
    sanshe_core::needs::NeedStatus,
    sanshe_core::needs::Audience,
    sanshe_core::needs::NeedUrgency,
    sanshe_core::needs::CommitmentStatus,
    sanshe_core::organizations::OrganizationKind,
    sanshe_core::organizations::Duty,
    sanshe_core::organizations::LinkageStatus,
    sanshe_core::organizations::LinkageSide,
    sanshe_core::organizations::MemberKind,
    sanshe_core::rotas::PostKind,
    sanshe_core::volunteers::Vetting,
);
