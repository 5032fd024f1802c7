//! A model's own columns that lists filter, order and export, declared once.
//!
//! Each row of the table below gives a column's field (of `ModelRow` and of both filter
//! structs), the name the API gives its filter (and its errors name), its `ModelOrderField`
//! variant (which is also the entity column it reads, except for `name`, which filters and
//! orders by its key), and its kind. From that row come:
//! - its `ModelOrderField` value and how a page orders by it (`service::models`);
//! - its field of the service's `ModelFilter` and of the GraphQL `ModelFilter` input, with the
//!   condition it adds and the complexity it costs (`service::filter::model`,
//!   `graphql::filters::catalog`);
//! - its export column, CSV and JSON (`service::export`), named by the field in CSV and by the
//!   API name in JSON.
//!
//! So a new numeric column of models is one row here (and one field of `ModelRow`), besides its
//! migration, entity, record, GraphQL type and input, and seed field. A row's doc comment
//! describes how the column orders: it documents the `ModelOrderField` value.
//!
//! Kinds: `name` (text compared by its Unicode key), `text`, `number`, `date` and
//! `vocabulary<T>` (a column of a `domain` vocabulary).

/// Calls `$then! { { $args } rows… }` with the table, one row per column:
/// `field "apiName": OrderVariant, kind;`.
macro_rules! model_columns {
    ($then:ident { $($args:tt)* }) => {
        $then! {
            { $($args)* }
            name "name": Name, name;
            slug "slug": Slug, text;
            announced_on "announcedOn": AnnouncedOn, date;
            /// By its stored spelling: DAY < MONTH < YEAR.
            announced_precision "announcedPrecision": AnnouncedPrecision, vocabulary<$crate::domain::DatePrecision>;
            parameters "parameters": Parameters, number;
            parameters_low "parametersLow": ParametersLow, number;
            parameters_high "parametersHigh": ParametersHigh, number;
            /// By its stored spelling, which is also its rank: CONFIRMED < LIKELY < SPECULATIVE < UNKNOWN.
            parameters_confidence "parametersConfidence": ParametersConfidence, vocabulary<$crate::domain::Confidence>;
            training_compute_flop "trainingComputeFlop": TrainingComputeFlop, number;
            training_compute_flop_low "trainingComputeFlopLow": TrainingComputeFlopLow, number;
            training_compute_flop_high "trainingComputeFlopHigh": TrainingComputeFlopHigh, number;
            finetune_compute_flop "finetuneComputeFlop": FinetuneComputeFlop, number;
            post_training_compute_flop "postTrainingComputeFlop": PostTrainingComputeFlop, number;
            /// As `PARAMETERS_CONFIDENCE`.
            training_compute_confidence "trainingComputeConfidence": TrainingComputeConfidence, vocabulary<$crate::domain::Confidence>;
            training_dataset "trainingDataset": TrainingDataset, text;
            training_dataset_size "trainingDatasetSize": TrainingDatasetSize, number;
            training_cost_usd "trainingCostUsd": TrainingCostUsd, number;
            hardware "hardware": Hardware, text;
            access "access": Access, vocabulary<$crate::domain::Access>;
            license "license": License, text;
        }
    };
}

pub(crate) use model_columns;

#[cfg(test)]
mod tests {
    /// The table's (field, API name) pairs.
    macro_rules! names {
        ({} $($(#[$doc:meta])* $field:ident $api:literal : $variant:ident, $kind:ident $(<$vocabulary:ty>)?;)*) => {
            const NAMES: &[(&str, &str)] = &[$((stringify!($field), $api)),*];
        };
    }
    model_columns! { names {} }

    /// The API name is what async-graphql calls the field (its camel case), so that an error
    /// names the field the client wrote.
    #[test]
    fn each_api_name_is_its_field_in_camel_case() {
        for (field, api) in NAMES {
            let mut camel = String::new();
            let mut upper = false;
            for c in field.chars() {
                if c == '_' {
                    upper = true;
                } else if upper {
                    camel.extend(c.to_uppercase());
                    upper = false;
                } else {
                    camel.push(c);
                }
            }
            assert_eq!(&camel, api, "{field}");
        }
    }
}
