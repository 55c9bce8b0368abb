//! A reader whose server reports each plan it makes (`debug_print_plan`, sent back as a LOG
//! notice), and the count of those reports: how `tests/read_planning.rs` and the planning
//! benchmark see how many plans a streamed read costs. Included by both with `#[path]`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use candlewick::pg::ConnectionSettings;
use candlewick::reader::{PgMarketDataReader, PgReaderConfig};
use candlewick_testdb::TestDb;

/// A reader of one pooled connection whose server reports each plan it makes, and the count of
/// those reports; `extra` adds session settings after the reader's own (a later `-c` wins).
pub fn counting_reader(
    db: &TestDb,
    extra: &str,
) -> Result<(PgMarketDataReader, Arc<AtomicUsize>), Box<dyn std::error::Error>> {
    let settings = ConnectionSettings::parse(db.url())?;
    let config = PgReaderConfig { max_connections: 1, ..PgReaderConfig::default() };
    let mut session = PgMarketDataReader::session_config(&settings, &config);
    let options = format!(
        "{} -c debug_print_plan=on -c client_min_messages=log {extra}",
        session.get_options().unwrap_or_default()
    );
    session.options(options.trim());
    let plans = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&plans);
    session.notice_callback(move |notice| {
        if notice.severity() == "LOG" && notice.message() == "plan:" {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    Ok((PgMarketDataReader::connect_session(session, &config)?, plans))
}
