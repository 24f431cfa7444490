//! Site A: 市南区人民政府门户网站 under `/shinan/`, served in GBK like many old district
//! CMSs. It carries most of the planted problems: a stale column, three blank columns,
//! misused words, serious expression errors, broken links, and leaked personal information
//! in two attachments (see `files`).

use super::SITE_A;
use super::articles::{Rendered, list_rows, render};
use super::content::{Builder, DateStyle, escape};
use super::files;
use super::site_a_text::{COLUMNS, MISSING_IMAGE, PAGE_SIZE, SERVER_ERROR_PAGE};

/// Site root.
pub(crate) const ROOT: &str = "/shinan/";
/// A home-page link to a section that was removed (404).
pub(crate) const BROKEN_HOME_LINK: &str = "/shinan/szdag/index.html";
/// The CMS back office, which robots.txt closes to crawlers.
pub(crate) const ADMIN: &str = "/shinan/admin/";
const STYLESHEET: &str = "/shinan/css/style.css";

/// Generates every page of Site A into `b` and records what it plants.
pub(crate) fn build(b: &mut Builder) -> std::io::Result<()> {
    let mut per_column: Vec<Vec<Rendered>> = Vec::new();
    for column in COLUMNS {
        let mut items = Vec::new();
        for article in column.articles {
            let r = render(b, ROOT, column, article, SITE_A);
            let page = layout(&r.title, &crumb(column.slug, column.name), &r.body);
            b.html_gbk(r.path.clone(), page);
            items.push(r);
        }
        list_pages(b, column.slug, column.name, column.style, &items);
        per_column.push(items);
    }
    home(b, &per_column);
    files::build_site_a(b)?;

    b.add(
        SERVER_ERROR_PAGE,
        500,
        "text/html; charset=utf-8",
        SERVER_ERROR_BODY,
    );
    b.html_gbk(ADMIN, layout("网站管理", "", ADMIN_BODY));
    b.html_gbk(
        format!("{ADMIN}index.html"),
        layout("网站管理", "", ADMIN_BODY),
    );
    b.add(STYLESHEET, 200, "text/css; charset=utf-8", STYLE);

    b.plant(
        "link.broken",
        SITE_A,
        BROKEN_HOME_LINK,
        None,
        "首页“区数字档案馆”链接指向已撤销的栏目，返回 404（首页错链）",
    );
    b.plant(
        "link.broken",
        SITE_A,
        SERVER_ERROR_PAGE,
        None,
        "政策文件内页的“图解”链接返回 500 服务器错误",
    );
    b.plant(
        "link.broken",
        SITE_A,
        MISSING_IMAGE,
        None,
        "政策文件内页的图解图片不存在，返回 404",
    );
    b.plant(
        "site.column_stale",
        SITE_A,
        format!("{ROOT}tzgg/"),
        None,
        "“通知公告”栏目最新信息发布于 8 个月前，超过 6 个月未更新",
    );
    for (slug, note) in [
        ("ghjh", "“规划计划”栏目为空白栏目（无任何信息）"),
        ("ztzl", "“专题专栏”栏目为空白栏目（无任何信息）"),
        ("hdjl", "“互动交流”栏目为空白栏目（无任何信息）"),
    ] {
        b.plant(
            "site.column_blank",
            SITE_A,
            format!("{ROOT}{slug}/"),
            None,
            note,
        );
    }
    Ok(())
}

/// The list pages of one column: `index.html` (also served as the directory) and
/// `index_N.html` for further pages, like TRS/Hanweb CMSs publish them.
fn list_pages(b: &mut Builder, slug: &str, name: &str, style: DateStyle, items: &[Rendered]) {
    let dir = format!("{ROOT}{slug}/");
    let pages: Vec<&[Rendered]> = if items.is_empty() {
        vec![&[]]
    } else {
        items.chunks(PAGE_SIZE).collect()
    };
    let total = pages.len();
    for (i, chunk) in pages.iter().enumerate() {
        let listing = if chunk.is_empty() {
            "<p class=\"empty\">暂无信息</p>\n".to_string()
        } else {
            format!("<ul>\n{}</ul>\n", list_rows(chunk, style))
        };
        let page_name = |n: usize| {
            if n == 0 {
                "index.html".to_string()
            } else {
                format!("index_{n}.html")
            }
        };
        let mut pager = format!("共{}条　第{}/{}页　", items.len(), i + 1, total);
        if i > 0 {
            pager.push_str(&format!(
                "<a href=\"index.html\">首页</a>　<a href=\"{}\">上一页</a>　",
                page_name(i - 1)
            ));
        }
        if i + 1 < total {
            pager.push_str(&format!(
                "<a href=\"{}\">下一页</a>　<a href=\"{}\">尾页</a>",
                page_name(i + 1),
                page_name(total - 1)
            ));
        }
        let main = format!(
            "<div class=\"list\">\n<h2>{name}</h2>\n{listing}<div class=\"page\">{pager}</div>\n</div>\n"
        );
        let html = layout(name, &crumb(slug, name), &main);
        if i == 0 {
            b.html_gbk(dir.clone(), html.clone());
        }
        b.html_gbk(format!("{dir}{}", page_name(i)), html);
    }
}

fn home(b: &mut Builder, per_column: &[Vec<Rendered>]) {
    // 最新动态: the home page lags its own columns; its newest item is three days old.
    let mut latest: Vec<Rendered> = per_column
        .iter()
        .flatten()
        .filter(|r| (b.today - r.date).num_days() >= 3 && (b.today - r.date).num_days() <= 15)
        .cloned()
        .collect();
    latest.sort_by(|x, y| y.date.cmp(&x.date).then(x.path.cmp(&y.path)));
    latest.truncate(7);
    let notices: Vec<Rendered> = per_column
        .get(1)
        .map(|v| v.iter().take(4).cloned().collect())
        .unwrap_or_default();
    let main = format!(
        r#"<div class="banner"><p>开放　包容　创新　奋进</p></div>
<div class="box left">
<div class="box-title"><h2>最新动态</h2><a class="more" href="{ROOT}zwdt/">更多&gt;&gt;</a></div>
<ul>
{}</ul>
</div>
<div class="box right">
<div class="box-title"><h2>通知公告</h2><a class="more" href="{ROOT}tzgg/">更多&gt;&gt;</a></div>
<ul>
{}</ul>
</div>
<div class="box services">
<h2>便民服务</h2>
<p><a href="{ROOT}zcwj/">政府信息公开</a>　<a href="{BROKEN_HOME_LINK}">区数字档案馆</a>　<a href="/qdgov/">青岛政务服务网</a></p>
</div>
"#,
        list_rows(&latest, DateStyle::Iso),
        list_rows(&notices, DateStyle::Bracket),
    );
    let html = layout_titled("青岛市市南区人民政府", "", &main);
    b.html_gbk(ROOT, html.clone());
    b.html_gbk(format!("{ROOT}index.html"), html);
}

fn crumb(slug: &str, name: &str) -> String {
    format!(
        "<div class=\"crumb\">当前位置：<a href=\"{ROOT}\">首页</a> &gt; <a href=\"{ROOT}{slug}/\">{}</a></div>\n",
        escape(name)
    )
}

fn layout(title: &str, crumb: &str, main: &str) -> String {
    layout_titled(&format!("{}_青岛市市南区人民政府", title), crumb, main)
}

fn layout_titled(title: &str, crumb: &str, main: &str) -> String {
    let nav: String = std::iter::once(format!("<li><a href=\"{ROOT}\">首页</a></li>"))
        .chain(
            COLUMNS
                .iter()
                .map(|c| format!("<li><a href=\"{ROOT}{}/\">{}</a></li>", c.slug, c.name)),
        )
        .collect();
    format!(
        r#"<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gbk" />
<title>{}</title>
<link rel="stylesheet" type="text/css" href="{STYLESHEET}" />
</head>
<body>
<div class="header"><div class="wrap"><span class="sitename">青岛市市南区人民政府</span><span class="slogan">www.qdshinan.gov.cn（演示）</span></div></div>
<div class="nav"><ul>{nav}</ul></div>
<div class="wrap main">
{crumb}{main}</div>
<div class="footer">
<p>主办：青岛市市南区人民政府办公室　承办：市南区大数据发展中心　<a href="{ADMIN}">网站管理</a></p>
<p>网站标识码：3702020001　鲁ICP备05008217号　鲁公网安备37020202000117号</p>
</div>
</body>
</html>
"#,
        escape(title)
    )
}

const ADMIN_BODY: &str = r#"<div class="login"><h2>网站内容管理系统</h2>
<form method="post" action="/shinan/admin/login"><p>用户名：<input name="user" /></p><p>密　码：<input name="pass" type="password" /></p><p><input type="submit" value="登录" /></p></form>
</div>
"#;

const SERVER_ERROR_BODY: &str = r#"<!doctype html><html lang="en"><head><title>HTTP Status 500 – Internal Server Error</title></head><body><h1>HTTP Status 500 – Internal Server Error</h1><hr><p><b>Type</b> Exception Report</p><p><b>Message</b> Request processing failed; nested exception is java.lang.NullPointerException</p><hr><h3>Apache Tomcat/8.5.38</h3></body></html>
"#;

const STYLE: &str = "body{margin:0;font:14px/1.8 \"Microsoft YaHei\",SimSun,sans-serif;color:#333;background:#f4f4f4}\n\
a{color:#333;text-decoration:none}a:hover{color:#c00}\n\
.header{background:#b50000;color:#fff;padding:18px 0}.sitename{font-size:28px;font-weight:bold;letter-spacing:4px}.slogan{margin-left:24px;font-size:12px;opacity:.8}\n\
.wrap{width:1000px;margin:0 auto}.main{background:#fff;padding:16px 20px;min-height:420px;overflow:hidden}\n\
.nav{background:#8f0000}.nav ul{width:1000px;margin:0 auto;padding:0;list-style:none;overflow:hidden}.nav li{float:left}.nav a{display:block;padding:8px 20px;color:#fff}\n\
.banner{height:90px;background:#fbe9e7;text-align:center;font-size:26px;color:#b50000;letter-spacing:12px}\n\
.box{margin-top:12px}.left{float:left;width:560px}.right{float:right;width:380px}.services{clear:both;padding-top:12px}\n\
.box-title{border-bottom:2px solid #b50000;overflow:hidden}.box-title h2{float:left;margin:0;font-size:16px;color:#b50000}.more{float:right;font-size:12px}\n\
.box ul,.list ul{list-style:none;padding:0}.box li,.list li{border-bottom:1px dashed #ddd;display:flex;justify-content:space-between}\n\
.box li a,.list li a{overflow:hidden;text-overflow:ellipsis;white-space:nowrap;margin-right:12px}.date{flex:none;color:#999}\n\
.crumb{font-size:12px;color:#666;margin-bottom:8px}.page{text-align:center;margin-top:12px}.empty{color:#999;text-align:center;padding:60px 0}\n\
.article h1{font-size:22px;text-align:center;color:#b50000}.info{text-align:center;color:#999;font-size:12px;border-bottom:1px solid #eee;padding-bottom:8px}\n\
.footer{text-align:center;font-size:12px;color:#666;padding:12px 0}\n";
