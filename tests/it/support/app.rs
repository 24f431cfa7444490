//! A running govwatch on a loopback port, and HTTP clients logged in as test users.

use std::net::SocketAddr;

use govwatch::auth::{Actor, Role, users};
use govwatch::config::Settings;
use govwatch::registry::departments::{self, DepartmentInput};
use govwatch::startup::Application;
use sea_orm::DatabaseConnection;

use super::db::{TestDb, test_db};

pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub base: String,
    pub db: DatabaseConnection,
    /// Keeps the database (and its directory) alive for the app's lifetime.
    _tdb: TestDb,
}

pub fn settings_for(tdb: &TestDb) -> Settings {
    Settings {
        data_dir: tdb.dir.path().to_path_buf(),
        database_url: Some(tdb.url.clone()),
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        ..Default::default()
    }
}

pub async fn spawn_app() -> TestApp {
    let tdb = test_db().await;
    let settings = settings_for(&tdb);
    let app = Application::build(settings, tdb.db.clone())
        .await
        .expect("build app");
    let addr = app.local_addr();
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    TestApp {
        base: format!("http://{addr}"),
        db: tdb.db.clone(),
        _tdb: tdb,
    }
}

/// A client with a cookie jar that never follows redirects (so tests can see them).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// A logged-in browser-like client and its CSRF token.
pub struct Session {
    pub client: reqwest::Client,
    pub csrf: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The app's data directory (snapshot store, keys).
    pub fn data_dir(&self) -> &std::path::Path {
        self._tdb.dir.path()
    }

    pub async fn department(&self, code: &str, name: &str, parent: Option<&str>) -> i64 {
        departments::create(
            &self.db,
            &Actor::cli(),
            DepartmentInput {
                code: code.into(),
                name: name.into(),
                parent_code: parent.map(Into::into),
            },
        )
        .await
        .expect("department")
        .id
    }

    pub async fn user(&self, name: &str, role: Role, department: Option<&str>) {
        users::add(&self.db, &Actor::cli(), name, role, department, PASSWORD)
            .await
            .expect("user");
    }

    /// Logs in through the real login form.
    pub async fn login(&self, name: &str) -> Session {
        let client = client();
        let page = get_text(&client, self.url("/login")).await;
        let csrf = hidden_value(&page, "csrf");
        let resp = client
            .post(self.url("/login"))
            .form(&[
                ("name", name),
                ("password", PASSWORD),
                ("csrf", &csrf),
                ("next", "/accounts"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status(),
            303,
            "login of {name} failed: {}",
            resp.text().await.unwrap_or_default()
        );
        let me: serde_json::Value = get_json(&client, self.url("/api/v1/me")).await;
        Session {
            client,
            csrf: me["csrf_token"].as_str().unwrap().to_string(),
        }
    }

    /// An API token for a user.
    pub async fn token(&self, name: &str) -> String {
        let u = users::find_by_name(&self.db, name).await.unwrap().unwrap();
        govwatch::auth::tokens::create(&self.db, u.id, "test")
            .await
            .unwrap()
    }
}

/// The value of `<input type="hidden" name="NAME" value="...">` in a page.
pub fn hidden_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no hidden {name} in page"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// The body of a GET as text (the request and the read must succeed; the status is the
/// caller's to check where it matters).
pub async fn get_text(client: &reqwest::Client, url: impl reqwest::IntoUrl) -> String {
    client
        .get(url)
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("body")
}

/// The body of a GET as JSON (a `serde_json::Value` or any type it deserialises into).
pub async fn get_json<T: serde::de::DeserializeOwned>(
    client: &reqwest::Client,
    url: impl reqwest::IntoUrl,
) -> T {
    client
        .get(url)
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON body")
}
