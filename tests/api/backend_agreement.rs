//! The same questions asked of SQLite and of Postgres must get the same answers: filters, orders,
//! statistics and trend fits. Needs a Postgres server (`TEST_DATABASE_URL`, which CI sets);
//! without one this says so and checks nothing.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDatabase, postgres_admin_url, spawn_app_on};

/// A SQLite app and a Postgres app, both with the starter catalog.
pub async fn both_backends() -> Option<(TestApp, TestApp)> {
    let Some(admin_url) = postgres_admin_url() else {
        eprintln!("TEST_DATABASE_URL is not set: the SQLite/Postgres comparison is skipped");
        return None;
    };
    let sqlite = spawn_app_on(TestDatabase::sqlite(), |_| {}).await;
    let postgres = spawn_app_on(TestDatabase::postgres(&admin_url).await, |_| {}).await;
    Some((sqlite, postgres))
}

/// Equal JSON, except that numbers need only agree to a relative 1e-9 (sums and logarithms
/// are computed in different orders on the two backends).
pub fn assert_close(a: &Value, b: &Value, at: &str) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!((x - y).abs() <= 1e-9 * x.abs().max(y.abs()), "{at}: {x} vs {y}");
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{at}: lengths differ\n{a}\n{b}");
            for (i, (x, y)) in x.iter().zip(y).enumerate() {
                assert_close(x, y, &format!("{at}[{i}]"));
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            assert_eq!(x.keys().collect::<Vec<_>>(), y.keys().collect::<Vec<_>>(), "{at}");
            for (k, v) in x {
                assert_close(v, &y[k], &format!("{at}.{k}"));
            }
        }
        _ => assert_eq!(a, b, "{at}"),
    }
}

const MODEL_FILTERS: &[&str] = &[
    r#"{ trainingComputeFlop: { gte: 1e24 }, organizations: { country: { in: ["CN", "KR"] } }, not: { access: { eq: OPEN_WEIGHTS } } }"#,
    r#"{ name: { contains: "gpt" } }"#,
    r#"{ name: { startsWith: "CLAUDE" } }"#,
    r#"{ description: { contains: "mixture-of-experts" } }"#,
    r#"{ hardware: { contains: "h100" } }"#,
    r#"{ or: [{ parameters: { isNull: true } }, { trainingComputeFlop: { lt: 1e22 } }] }"#,
    r#"{ not: { or: [{ inputModalities: { anyOf: [IMAGE, VIDEO] } }, { outputModalities: { allOf: [TEXT, CODE] } }] } }"#,
    r#"{ announcedOn: { gte: "2024-01-01" }, parameters: { ne: 7e10 } }"#,
    r#"{ announcedBetween: { from: "2020-01-01", to: "2022-12-31" }, trainingComputeConfidence: { in: [CONFIRMED, LIKELY] } }"#,
    r#"{ capabilities: { category: { eq: DUAL_USE }, status: { eq: EXTRAPOLATED } } }"#,
    r#"{ riskAssessments: { cause: { eq: MALICIOUS }, severityAtLeast: HIGH } }"#,
    r#"{ organizations: { kind: { in: [ACADEMIA, NONPROFIT] } } }"#,
    r#"{ organizations: { or: [{ name: { contains: "deep" } }, { slug: { startsWith: "open" } }] } }"#,
    r#"{ baseModel: { organizations: { country: { eq: "us" } } } }"#,
    r#"{ license: { contains: "apache" } }"#,
    r#"{ trainingCostUsd: { gt: 1e15 } }"#,
];

const MODEL_ORDERS: &[&str] = &[
    "[{ field: NAME }]",
    "[{ field: TRAINING_COMPUTE_FLOP, direction: DESC }, { field: NAME }]",
    "[{ field: ACCESS }, { field: ANNOUNCED_ON, direction: DESC }]",
    "[{ field: HARDWARE, direction: DESC }]",
    "[{ field: LICENSE }, { field: SLUG }]",
    "[{ field: TRAINING_COMPUTE_CONFIDENCE }, { field: TRAINING_DATASET, direction: DESC }]",
    "[{ field: ANNOUNCED_PRECISION, direction: DESC }, { field: TRAINING_DATASET_SIZE }]",
];

async fn ask(app: &TestApp, query: &str) -> Value {
    app.query(query, json!({})).await
}

#[tokio::test]
async fn filters_and_orders_agree_between_sqlite_and_postgres() {
    let Some((sqlite, postgres)) = both_backends().await else { return };
    let mut non_empty = 0;
    for (i, filter) in MODEL_FILTERS.iter().enumerate() {
        let order = MODEL_ORDERS[i % MODEL_ORDERS.len()];
        let query =
            format!("{{ models(first: 100, filter: {filter}, orderBy: {order}) {{ totalCount nodes {{ slug }} }} }}");
        let (a, b) = (ask(&sqlite, &query).await, ask(&postgres, &query).await);
        assert_eq!(a, b, "{query}");
        non_empty += usize::from(a["models"]["totalCount"].as_u64().unwrap() > 0);
    }
    assert!(non_empty >= MODEL_FILTERS.len() - 3, "most filters should keep some models: {non_empty}");
    let others = [
        r#"{ organizations(first: 100, filter: { country: { in: ["us", "GB"] }, not: { kind: { eq: INDUSTRY } } }, orderBy: [{ field: KIND }, { field: NAME }]) { totalCount nodes { slug } } }"#,
        r#"{ organizations(first: 100, filter: { description: { contains: "beijing" } }, orderBy: [{ field: SLUG, direction: DESC }]) { totalCount nodes { slug } } }"#,
        r#"{ capabilities(first: 100, filter: { or: [{ category: { eq: DUAL_USE } }, { name: { contains: "code" } }] }, orderBy: [{ field: CATEGORY }, { field: SLUG }]) { totalCount nodes { slug } } }"#,
        r#"{ riskAssessments(first: 100, filter: { severityAtLeast: HIGH, model: { trainingComputeFlop: { gte: 1e25 } } }, orderBy: [{ field: CATEGORY }, { field: SEVERITY, direction: DESC }]) { totalCount nodes { id } } }"#,
        r#"{ riskAssessments(first: 100, filter: { horizon: { eq: NEAR_TERM }, summary: { contains: "bio" } }, orderBy: [{ field: CAUSE }]) { totalCount nodes { id } } }"#,
    ];
    for query in others {
        let (a, b) = (ask(&sqlite, query).await, ask(&postgres, query).await);
        assert_eq!(a, b, "{query}");
    }
}

#[tokio::test]
async fn statistics_trends_and_projections_agree_between_sqlite_and_postgres() {
    let Some((sqlite, postgres)) = both_backends().await else { return };
    let spread = "{ min max median geometricMean }";
    let groups = format!(
        "key {{ year organization {{ slug }} country inputModality outputModality access }} count withParameters withTrainingCompute parameters {spread} trainingComputeFlop {spread} firstAnnouncedOn lastAnnouncedOn"
    );
    let trend = "n slopeLog10PerYear growthFactorPerYear doublingTimeMonths rSquared growthFactorInterval90 { low high } firstDate lastDate fittedAtFirstDate fittedAtLastDate reason";
    let queries = [
        format!("{{ modelStatistics {{ {groups} }} }}"),
        format!("{{ modelStatistics(groupBy: [YEAR, ACCESS]) {{ {groups} }} }}"),
        format!("{{ modelStatistics(groupBy: [ORGANIZATION]) {{ {groups} }} }}"),
        format!(
            "{{ modelStatistics(groupBy: [COUNTRY, INPUT_MODALITY, OUTPUT_MODALITY], filter: {{ trainingComputeFlop: {{ gte: 1e23 }} }}) {{ {groups} }} }}"
        ),
        format!("{{ computeTrend(metric: TRAINING_COMPUTE) {{ {trend} }} }}"),
        format!(
            "{{ computeTrend(metric: PARAMETERS, filter: {{ inputModalities: {{ anyOf: [TEXT] }} }}) {{ {trend} }} }}"
        ),
        "{ projection(metric: TRAINING_COMPUTE, value: 1e27) { date value dateInterval90 { earliest latest } reason } }"
            .to_owned(),
        "{ projection(metric: PARAMETERS, date: \"2030-01-01\") { date value valueInterval90 { low high } reason } }"
            .to_owned(),
        "{ frontier(asOf: \"2023-01-01\", metric: TRAINING_COMPUTE, top: 20) { slug } }".to_owned(),
    ];
    for query in &queries {
        let (a, b) = (ask(&sqlite, query).await, ask(&postgres, query).await);
        assert_close(&a, &b, query);
    }
}

/// Postgres groups and summarises statistics in SQL; on SQLite the service does it. Every
/// figure must agree to the last digit (medians and geometric means included), for every
/// dimension, with and without a filter, on a filter that keeps nothing, and in the past.
#[tokio::test]
async fn grouped_statistics_agree_to_the_last_digit_between_sqlite_and_postgres() {
    let Some((sqlite, postgres)) = both_backends().await else { return };
    let spread = "{ min max median geometricMean }";
    let fields = format!(
        "key {{ year organization {{ slug }} country inputModality outputModality access }} count withParameters withTrainingCompute parameters {spread} trainingComputeFlop {spread} firstAnnouncedOn lastAnnouncedOn"
    );
    let group_bys = [
        "[]",
        "[YEAR]",
        "[ACCESS]",
        "[ORGANIZATION]",
        "[COUNTRY]",
        "[INPUT_MODALITY]",
        "[OUTPUT_MODALITY]",
        "[ORGANIZATION, COUNTRY]",
        "[YEAR, INPUT_MODALITY, OUTPUT_MODALITY]",
        "[ACCESS, COUNTRY, YEAR]",
    ];
    let filters = [
        "{}",
        r#"{ trainingComputeFlop: { gte: 1e23 }, organizations: { country: { in: ["US", "CN"] } } }"#,
        r#"{ name: { contains: "no model is called this" } }"#,
    ];
    // After both catalogs were written: the past reads the history tables, as recorded.
    let now = chrono::Utc::now().to_rfc3339();
    let (mut groups, mut medians_between, mut geometric_means) = (0, 0, 0);
    for group_by in group_bys {
        for filter in filters {
            for at in ["", &format!(r#", asRecordedAt: "{now}""#)] {
                let query = format!("{{ modelStatistics(groupBy: {group_by}, filter: {filter}{at}) {{ {fields} }} }}");
                let (a, b) = (ask(&sqlite, &query).await, ask(&postgres, &query).await);
                assert_eq!(a, b, "{query}");
                for group in a["modelStatistics"].as_array().unwrap() {
                    groups += 1;
                    for figure in ["parameters", "trainingComputeFlop"] {
                        let spread = &group[figure];
                        medians_between +=
                            usize::from(spread["median"] != spread["min"] && spread["median"] != spread["max"]);
                        geometric_means += usize::from(spread["geometricMean"].is_number());
                    }
                }
            }
        }
    }
    // The comparison covers real spreads, not only single values.
    assert!(
        groups > 100 && medians_between > 20 && geometric_means > 100,
        "{groups} {medians_between} {geometric_means}"
    );
}
