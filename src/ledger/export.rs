//! `ledger export`: every entry with its payload as JSON Lines, oldest first.

use std::io::Write;

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::{EntryView, LedgerError};
use crate::db::entities::{ledger_entry, ledger_payload};

/// Writes the whole ledger as JSON Lines to `out`; returns the number of entries.
pub async fn export_jsonl(
    db: &DatabaseConnection,
    mut out: impl Write,
) -> Result<u64, LedgerError> {
    let mut after = i64::MIN;
    let mut n = 0u64;
    loop {
        let entries = ledger_entry::Entity::find()
            .filter(ledger_entry::Column::Seq.gt(after))
            .order_by_asc(ledger_entry::Column::Seq)
            .limit(10_000)
            .all(db)
            .await?;
        let Some(last) = entries.last() else { break };
        let (first, last_seq) = (entries[0].seq, last.seq);
        let mut payloads: std::collections::HashMap<i64, ledger_payload::Model> =
            ledger_payload::Entity::find()
                .filter(ledger_payload::Column::Seq.between(first, last_seq))
                .all(db)
                .await?
                .into_iter()
                .map(|p| (p.seq, p))
                .collect();
        for entry in entries {
            let p = payloads.remove(&entry.seq);
            let view = EntryView {
                payload: p
                    .as_ref()
                    .and_then(|p| p.payload.as_deref())
                    .and_then(|s| serde_json::from_str(s).ok()),
                redacted_at: p.and_then(|p| p.redacted_at),
                entry,
            };
            serde_json::to_writer(&mut out, &view).map_err(std::io::Error::other)?;
            out.write_all(b"\n")?;
            n += 1;
        }
        after = last_seq;
    }
    out.flush()?;
    Ok(n)
}
