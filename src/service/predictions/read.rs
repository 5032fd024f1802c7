//! Reading predictions. The public sees a prediction once it is recorded (its model was public
//! at some revision) while its model is published; editors see every one. Past reads get the
//! same statements over the history (`history::Reader`).

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select};

use crate::entity::{model, prediction};
use crate::service::{Audience, ServiceResult, models};

pub use prediction::Model as PredictionRow;

/// The predictions `audience` may see.
pub fn visible(audience: Audience) -> Select<prediction::Entity> {
    let select = prediction::Entity::find();
    match audience {
        Audience::Public => select.filter(prediction::Column::RecordedAt.is_not_null()).filter(
            prediction::Column::ModelId
                .in_subquery(models::visible(audience).select_only().column(model::Column::Id).into_query()),
        ),
        Audience::Editor => select,
    }
}

pub async fn by_id(db: &impl ConnectionTrait, audience: Audience, id: i32) -> ServiceResult<Option<PredictionRow>> {
    Ok(visible(audience).filter(prediction::Column::Id.eq(id)).one(db).await?)
}

/// The predictions about each of `model_ids`, capabilities first then risks, each in the order
/// they were made (one statement).
pub async fn of_models(
    db: &impl ConnectionTrait,
    audience: Audience,
    model_ids: &[i32],
) -> ServiceResult<HashMap<i32, Vec<PredictionRow>>> {
    let rows = visible(audience)
        .filter(prediction::Column::ModelId.is_in(model_ids.iter().copied()))
        .order_by_asc(prediction::Column::Kind)
        .order_by_asc(prediction::Column::Id)
        .all(db)
        .await?;
    let mut by_model: HashMap<i32, Vec<PredictionRow>> = HashMap::new();
    for row in rows {
        by_model.entry(row.model_id).or_default().push(row);
    }
    Ok(by_model)
}
