//! `govwatch users …`.

use std::io::BufRead;

use anyhow::{Context, bail};
use clap::Subcommand;
use sea_orm::{EntityTrait, QueryOrder};

use crate::auth::{Actor, Role, tokens, users};
use crate::config::Settings;
use crate::db::entities::user;

/// User commands.
#[derive(Debug, Subcommand)]
pub enum UsersCmd {
    /// Add a user. The password is asked for, or read from stdin with --password-stdin.
    Add {
        /// User name.
        name: String,
        /// office (办公厅: everything), auditor (审计: read, verify), owner (责任单位: own department).
        #[arg(long, value_parser = ["office", "auditor", "owner"])]
        role: String,
        /// Department code (required for owners).
        #[arg(long)]
        department: Option<String>,
        /// Read the password from the first line of stdin.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Create an API token for a user (printed once).
    Token {
        /// User name.
        name: String,
        /// A label to recognise the token by.
        #[arg(long, default_value = "cli")]
        label: String,
    },
    /// List users.
    List,
}

/// Runs a user command.
pub async fn run(cmd: UsersCmd, settings: &Settings) -> anyhow::Result<i32> {
    let db = super::open(settings).await?;
    match cmd {
        UsersCmd::Add {
            name,
            role,
            department,
            password_stdin,
        } => {
            let role = Role::parse(&role).context("未知角色")?;
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .context("无法从标准输入读取密码")?;
                line.trim_end_matches(['\r', '\n']).to_string()
            } else {
                let p1 = rpassword::prompt_password(format!("为 {name} 设置密码: "))
                    .context("无法读取密码")?;
                let p2 = rpassword::prompt_password("再输入一次: ").context("无法读取密码")?;
                if p1 != p2 {
                    bail!("两次输入的密码不一致");
                }
                p1
            };
            let u = users::add(
                &db,
                &Actor::cli(),
                &name,
                role,
                department.as_deref(),
                &password,
            )
            .await?;
            println!("已添加用户 {}（{}），编号 {}", u.name, role.label(), u.id);
        }
        UsersCmd::Token { name, label } => {
            let u = users::find_by_name(&db, &name)
                .await?
                .with_context(|| format!("没有用户 {name}"))?;
            let token = tokens::create(&db, u.id, &label).await?;
            println!("{token}");
            eprintln!("令牌仅显示这一次。用法: Authorization: Bearer <令牌>");
        }
        UsersCmd::List => {
            for u in user::Entity::find()
                .order_by_asc(user::Column::Id)
                .all(&db)
                .await?
            {
                println!(
                    "{}\t{}\t{}{}",
                    u.id,
                    u.name,
                    u.role,
                    if u.disabled { "\t(停用)" } else { "" }
                );
            }
        }
    }
    Ok(0)
}
