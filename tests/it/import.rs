//! `accounts import`: all or nothing, every bad row named with its row number.

use govwatch::auth::Actor;
use govwatch::db::entities::{account, department, ledger_entry};
use govwatch::registry::import::{ImportError, import_file};
use rust_xlsxwriter::Workbook;
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::support::db::test_db;

const PLATFORMS: [&str; 5] = ["微信", "weibo", "抖音", "网站", "toutiao"];

/// 500 data rows (spreadsheet rows 2..=501); rows listed in `bad` are broken in three ways.
fn write_xlsx(path: &std::path::Path, bad: &[u32]) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("台账").unwrap();
    for (c, h) in [
        "name",
        "platform",
        "department",
        "url",
        "handle",
        "operator",
        "contact",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for i in 0..500u32 {
        let r = i + 1; // zero-based sheet row; Excel row number is r + 1
        let excel_row = r + 1;
        let platform = PLATFORMS[(i % 5) as usize];
        let name = if bad.first() == Some(&excel_row) {
            String::new()
        } else {
            format!("账号{i}")
        };
        let platform = if bad.get(1) == Some(&excel_row) {
            "myspace"
        } else {
            platform
        };
        ws.write_string(r, 0, &name).unwrap();
        ws.write_string(r, 1, platform).unwrap();
        ws.write_string(
            r,
            2,
            if i % 2 == 0 {
                "市政府/市教育局"
            } else {
                "市卫健委"
            },
        )
        .unwrap();
        if platform == "网站" {
            let url = if bad.get(2) == Some(&excel_row) {
                "not a url".to_string()
            } else {
                format!("https://site{i}.qingdao.gov.cn/")
            };
            ws.write_string(r, 3, &url).unwrap();
        } else {
            // Numeric handles, as spreadsheets often hold user ids.
            ws.write_number(r, 4, 5_000_000_000.0 + f64::from(i))
                .unwrap();
        }
        ws.write_string(r, 5, "市大数据中心").unwrap();
        ws.write_string(r, 6, "王五 0532-85912345").unwrap();
    }
    wb.save(path).unwrap();
}

#[tokio::test]
async fn xlsx_with_three_bad_rows_writes_nothing_and_names_them() {
    let t = test_db().await;
    let path = t.dir.path().join("accounts.xlsx");
    // Row 58 loses its name, row 201 gets an unknown platform, row 435 (a website) a bad URL.
    write_xlsx(&path, &[58, 201, 435]);
    let err = import_file(&t.db, &Actor::cli(), &path, "导入")
        .await
        .unwrap_err();
    let ImportError::Rows(rows) = err else {
        panic!("expected row errors, got {err:?}")
    };
    let numbers: Vec<usize> = rows.iter().map(|r| r.row).collect();
    assert_eq!(numbers, [58, 201, 435], "{rows:?}");
    assert!(rows[0].reason.contains("名称"), "{}", rows[0].reason);
    assert!(rows[1].reason.contains("myspace"), "{}", rows[1].reason);
    assert!(rows[2].reason.contains("not a url"), "{}", rows[2].reason);
    assert_eq!(
        account::Entity::find().count(&t.db).await.unwrap(),
        0,
        "nothing written"
    );
    assert_eq!(
        department::Entity::find().count(&t.db).await.unwrap(),
        0,
        "no department created"
    );
    assert_eq!(
        ledger_entry::Entity::find().count(&t.db).await.unwrap(),
        0,
        "no ledger entry"
    );

    // The corrected file imports completely, each account with its ledger entry.
    write_xlsx(&path, &[]);
    let created = import_file(&t.db, &Actor::cli(), &path, "导入")
        .await
        .unwrap();
    assert_eq!(created.len(), 500);
    assert_eq!(account::Entity::find().count(&t.db).await.unwrap(), 500);
    // 市政府, 市教育局 (under it), 市卫健委.
    let deps = department::Entity::find().all(&t.db).await.unwrap();
    assert_eq!(deps.len(), 3);
    let edu = deps.iter().find(|d| d.name == "市教育局").unwrap();
    let city = deps.iter().find(|d| d.name == "市政府").unwrap();
    assert_eq!(edu.parent_id, Some(city.id));
    assert_eq!(
        ledger_entry::Entity::find().count(&t.db).await.unwrap(),
        503
    );
    let weibo = created.iter().find(|a| a.platform == "weibo").unwrap();
    assert_eq!(
        weibo.handle.as_deref(),
        Some("5000000001"),
        "numeric handles keep all digits, no .0"
    );
    assert!(weibo.contacts.contains("0532-85912345"));

    // Importing the same file again clashes with the live accounts: nothing written.
    let again = import_file(&t.db, &Actor::cli(), &path, "导入")
        .await
        .unwrap_err();
    let ImportError::Rows(rows) = again else {
        panic!()
    };
    assert_eq!(rows.len(), 500);
    assert_eq!(account::Entity::find().count(&t.db).await.unwrap(), 500);
}

#[tokio::test]
async fn gbk_csv_and_json_import_and_duplicate_rows_are_refused() {
    let t = test_db().await;
    let csv = "名称,平台,主办单位,网址,账号标识\n青岛政务网,网站,市政府,http://www.qingdao.gov.cn/,\n青岛发布,微博,市政府,,qdfb\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(csv);
    let path = t.dir.path().join("a.csv");
    std::fs::write(&path, &gbk).unwrap();
    let created = import_file(&t.db, &Actor::cli(), &path, "导入")
        .await
        .unwrap();
    assert_eq!(created.len(), 2);
    assert_eq!(created[0].name, "青岛政务网");

    let json = r#"[{"name":"市教育局公众号","platform":"wechat","department":"市教育局","handle":"qdedu"},
                  {"name":"重复","platform":"wechat","department":"市教育局","handle":"QDEDU"},
                  {"platform":"wechat","department":"市教育局","handle":"x"}]"#;
    let jpath = t.dir.path().join("a.json");
    std::fs::write(&jpath, json).unwrap();
    let ImportError::Rows(rows) = import_file(&t.db, &Actor::cli(), &jpath, "导入")
        .await
        .unwrap_err()
    else {
        panic!()
    };
    assert_eq!(rows.iter().map(|r| r.row).collect::<Vec<_>>(), [2, 3]);
    assert!(rows[0].reason.contains("第 1 行"), "{}", rows[0].reason);

    let bad = t.dir.path().join("a.txt");
    std::fs::write(&bad, "x").unwrap();
    assert!(matches!(
        import_file(&t.db, &Actor::cli(), &bad, "导入").await,
        Err(ImportError::File(_))
    ));
    let garbage = t.dir.path().join("broken.xlsx");
    std::fs::write(&garbage, b"PK\x03\x04 not really a zip").unwrap();
    assert!(matches!(
        import_file(&t.db, &Actor::cli(), &garbage, "导入").await,
        Err(ImportError::File(_))
    ));
}
