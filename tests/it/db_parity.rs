//! The migrations and the entities agree on both backends: every entity can be written and
//! read back after `Migrator::up`, and `down` removes everything again.

use govwatch::db::entities::*;
use migrations::{Migrator, MigratorTrait};
use sea_orm::{ActiveValue::NotSet, ActiveValue::Set, EntityTrait};

use crate::support::db::test_db;

#[tokio::test]
async fn every_entity_round_trips() {
    let t = test_db().await;
    let db = &t.db;
    let now = chrono::Utc::now();
    let d = department::Entity::insert(department::ActiveModel {
        id: NotSet,
        code: Set("c".into()),
        name: Set("单位".into()),
        parent_id: Set(None),
        path: Set("/1/".into()),
        created_at: Set(now),
    })
    .exec_with_returning(db)
    .await
    .unwrap();
    let a = account::Entity::insert(account::ActiveModel {
        id: NotSet,
        platform: Set("weibo".into()),
        name: Set("n".into()),
        handle: Set(Some("h".into())),
        url: Set(None),
        identity_key: Set("h".into()),
        department_id: Set(d.id),
        operator: Set(None),
        responsible: Set(None),
        contacts: Set("[]".into()),
        opened_on: Set(chrono::NaiveDate::from_ymd_opt(2020, 2, 29)),
        status: Set("active".into()),
        notice_url: Set(None),
        closed_on: Set(None),
        merged_into: Set(None),
        deregister_reference: Set(None),
        crawl_cron: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_with_returning(db)
    .await
    .unwrap();
    assert_eq!(
        account::Entity::find_by_id(a.id)
            .one(db)
            .await
            .unwrap()
            .unwrap()
            .opened_on,
        chrono::NaiveDate::from_ymd_opt(2020, 2, 29)
    );
    let u = user::Entity::insert(user::ActiveModel {
        id: NotSet,
        name: Set("u".into()),
        role: Set("office".into()),
        department_id: Set(Some(d.id)),
        password_hash: Set("x".into()),
        disabled: Set(false),
        created_at: Set(now),
    })
    .exec_with_returning(db)
    .await
    .unwrap();
    session::Entity::insert(session::ActiveModel {
        id: Set("s".into()),
        user_id: Set(u.id),
        csrf_token: Set("t".into()),
        created_at: Set(now),
        expires_at: Set(now),
    })
    .exec_without_returning(db)
    .await
    .unwrap();
    api_token::Entity::insert(api_token::ActiveModel {
        id: NotSet,
        user_id: Set(u.id),
        label: Set("l".into()),
        token_hash: Set("th".into()),
        created_at: Set(now),
        last_used_at: Set(Some(now)),
    })
    .exec_without_returning(db)
    .await
    .unwrap();
    ledger_checkpoint::Entity::insert(ledger_checkpoint::ActiveModel {
        id: NotSet,
        tree_size: Set(0),
        root_hash: Set("r".into()),
        signed_at: Set("s".into()),
        public_key: Set("p".into()),
        signature: Set("g".into()),
    })
    .exec_without_returning(db)
    .await
    .unwrap();
    // Offsets beyond 4 GiB (a large pack) survive on both backends.
    let object = snapshot_object::Model {
        hash: "ab".repeat(32),
        pack: uuid::Uuid::new_v4().to_string(),
        record_offset: 5_000_000_000,
        stored_length: 1234,
        size: 5678,
        compressed: true,
        created_at: now,
    };
    snapshot_object::Entity::insert(snapshot_object::ActiveModel {
        hash: Set(object.hash.clone()),
        pack: Set(object.pack.clone()),
        record_offset: Set(object.record_offset),
        stored_length: Set(object.stored_length),
        size: Set(object.size),
        compressed: Set(object.compressed),
        created_at: Set(now),
    })
    .exec_without_returning(db)
    .await
    .unwrap();
    let back = snapshot_object::Entity::find_by_id(object.hash.clone())
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(back.record_offset, object.record_offset);
    assert_eq!((back.pack, back.compressed), (object.pack, true));
    let head = ledger_head::Entity::find_by_id(1)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(head.last_seq, 0);
    let s = session::Entity::find_by_id("s".to_string())
        .one(db)
        .await
        .unwrap()
        .unwrap();
    // Timestamps survive the round trip to the microsecond on both backends.
    assert_eq!(s.created_at.timestamp_micros(), now.timestamp_micros());
    assert_eq!(api_token::Entity::find().all(db).await.unwrap().len(), 1);
    assert_eq!(
        ledger_checkpoint::Entity::find()
            .all(db)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn migrations_go_down_and_up_again() {
    let t = test_db().await;
    Migrator::down(&t.db, None).await.unwrap();
    assert!(
        account::Entity::find().all(&t.db).await.is_err(),
        "tables are gone"
    );
    Migrator::up(&t.db, None).await.unwrap();
    assert!(account::Entity::find().all(&t.db).await.unwrap().is_empty());
}
