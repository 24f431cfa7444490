//! `ledger export`: every entry with its payload as JSON Lines, oldest first.

use std::io::Write;

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::{EntryView, LedgerError};
use crate::db::entities::ledger_entry;

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
        after = last.seq;
        for entry in entries {
            serde_json::to_writer(&mut out, &EntryView::from(entry))
                .map_err(std::io::Error::other)?;
            out.write_all(b"\n")?;
            n += 1;
        }
    }
    out.flush()?;
    Ok(n)
}
