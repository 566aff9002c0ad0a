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
