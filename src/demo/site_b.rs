//! Site B: 青岛市教育局网站 under `/edu/`, UTF-8 and healthy: fresh columns, a home page
//! updated yesterday. Two problems only: a broken banner image on the home page and a
//! teacher's private mobile number in a notice, next to public hotlines that are fine.

use super::SITE_B;
use super::articles::{Age, Article, Column, Extra, Plant, Rendered, list_rows, render};
use super::content::{Builder, DateStyle, escape};

/// Site root.
pub(crate) const ROOT: &str = "/edu/";
/// The home page's banner image, which was deleted (404).
pub(crate) const MISSING_BANNER: &str = "/edu/images/banner_zhaosheng.jpg";
const LOGO: &str = "/edu/images/logo.svg";
const STYLESHEET: &str = "/edu/css/main.css";
/// The bureau's public consultation line (must never be flagged).
pub(crate) const HOTLINE_LANDLINE: &str = "0532-85912345";
/// The government service hotline (must never be flagged).
pub(crate) const HOTLINE: &str = "12345";

const MOBILE: &[Plant] = &[Plant {
    rule_id: "pii.mobile",
    needle: "13953247816",
    note: "通知正文“联系人”处公开了个人手机号码（办公电话和 12345 热线不应报出）",
}];

const TZGG: &[Article] = &[
    Article::plain(
        Age::Days(2),
        "关于开展{Y}年中小学教师教学能力提升培训的通知",
        "教师工作处",
        &[
            "各区（市）教育（教体）局，局属各学校：",
            "为加强教师队伍建设，提升教师课堂教学能力，市教育局决定组织开展中小学教师教学能力提升培训。请各单位按照分配名额做好学员遴选和报名工作。",
        ],
    ),
    Article {
        age: Age::Days(5),
        title: "关于做好{Y}年义务教育阶段学校招生入学工作的通知",
        source: "基础教育处",
        paras: &[
            "各区（市）教育（教体）局，局属各学校：",
            "为进一步规范义务教育阶段学校招生入学工作，保障适龄儿童少年依法接受义务教育，现就有关事项通知如下。",
            "一、坚持免试就近入学。各区（市）要科学划分学校招生范围，严禁以各类考试、竞赛、培训成绩作为招生依据。",
            "二、全面推行网上报名。家长可通过“青岛教育e平台”进行网上报名，减少现场排队。",
            "联系人：王老师，手机：13953247816；咨询电话：0532-85912345。群众也可拨打12345政务服务便民热线反映问题。",
        ],
        extra: Extra::None,
        plants: MOBILE,
    },
    Article::plain(
        Age::Days(12),
        "关于公布{Y}年青岛市中小学生研学实践教育基地名单的通知",
        "基础教育处",
        &[
            "经学校推荐、专家评审和社会公示，确定青岛市海洋科普馆等20家单位为青岛市中小学生研学实践教育基地，现予以公布。",
            "各基地要完善课程体系和安全保障措施，为学生提供优质研学实践服务。",
        ],
    ),
    Article::plain(
        Age::Days(19),
        "关于开展校园食品安全专项检查的通知",
        "安全工作处",
        &[
            "为切实保障师生饮食安全，市教育局决定会同市场监管部门对全市中小学校、幼儿园食堂开展食品安全专项检查。",
            "各单位要对照检查清单认真开展自查自纠，发现问题立即整改。",
        ],
    ),
    Article::plain(
        Age::Days(33),
        "关于做好中小学生课后服务工作的通知",
        "基础教育处",
        &[
            "各区（市）要进一步完善课后服务保障机制，丰富课后服务内容，切实满足学生多样化需求。",
            "课后服务坚持学生家长自愿参加原则，严禁以课后服务名义变相集体补课。",
        ],
    ),
];

const JYDT: &[Article] = &[
    Article::plain(
        Age::Days(1),
        "全市中小学心理健康教育工作推进会召开",
        "市教育局",
        &[
            "近日，全市中小学心理健康教育工作推进会召开，总结交流各区（市）心理健康教育工作经验，部署下一阶段重点任务。",
            "会议要求，各学校要配齐配强心理健康教育教师，完善学生心理健康监测预警机制。",
        ],
    ),
    Article::plain(
        Age::Days(2),
        "青岛市举办中小学生海洋科技创新大赛",
        "市教育局",
        &[
            "青岛市中小学生海洋科技创新大赛日前举办，来自全市120余所学校的600余名学生参赛。",
            "大赛设置海洋工程设计、海洋生态保护等多个项目，展示了青岛学子的创新能力和海洋情怀。",
        ],
    ),
    Article::plain(
        Age::Days(4),
        "市教育局开展“校园开放日”活动",
        "市教育局",
        &[
            "市教育局近日组织全市中小学开展“校园开放日”活动，邀请家长走进校园、走进课堂。",
            "活动期间，各学校通过推门听课、座谈交流等方式，广泛听取家长对学校工作的意见建议。",
        ],
    ),
    Article::plain(
        Age::Days(7),
        "青岛市新建改扩建中小学幼儿园项目进展顺利",
        "市教育局",
        &[
            "今年全市计划新建改扩建中小学幼儿园45所，目前已有31所开工建设，各项目建设进展顺利。",
            "项目全部建成后，预计新增学位3.6万个，将进一步缓解部分区域入学压力。",
        ],
    ),
    Article::plain(
        Age::Days(9),
        "全市职业院校技能大赛落幕",
        "市教育局",
        &[
            "全市职业院校技能大赛近日落幕，共设置智能制造、现代服务等赛项38个，2000余名师生参赛。",
            "大赛坚持以赛促教、以赛促学，推动职业院校专业建设与产业需求紧密对接。",
        ],
    ),
    Article::plain(
        Age::Days(14),
        "市教育局召开中小学安全工作会议",
        "市教育局",
        &[
            "市教育局近日召开中小学安全工作会议，分析研判校园安全形势，部署校园安全隐患排查整治工作。",
            "会议强调，要压紧压实校园安全责任，守牢校园安全底线。",
        ],
    ),
];

const ZCJD: &[Article] = &[
    Article::plain(
        Age::Days(3),
        "一图读懂《青岛市关于推进义务教育优质均衡发展的实施意见》",
        "政策法规处",
        &[
            "为便于社会公众理解，现对《青岛市关于推进义务教育优质均衡发展的实施意见》主要内容解读如下。",
            "实施意见明确了推进义务教育优质均衡发展的总体目标、重点任务和保障措施。",
        ],
    ),
    Article::plain(
        Age::Days(16),
        "《青岛市学前教育发展提升行动计划》政策解读",
        "政策法规处",
        &[
            "行动计划围绕扩大普惠性学前教育资源、提升保教质量、加强教师队伍建设等方面提出具体举措。",
            "到规划期末，全市普惠性幼儿园覆盖率将稳定在90%以上。",
        ],
    ),
    Article::plain(
        Age::Days(30),
        "《青岛市中小学校课后服务管理办法》解读",
        "政策法规处",
        &[
            "管理办法对课后服务的时间安排、服务内容、经费保障和监督管理等作出了明确规定。",
            "管理办法自印发之日起施行。",
        ],
    ),
    Article::plain(
        Age::Days(58),
        "《青岛市教师减负若干措施》解读",
        "政策法规处",
        &[
            "若干措施聚焦减轻中小学教师非教育教学负担，明确了规范督查检查评比考核事项等举措。",
            "各区（市）要建立教师减负长效机制，让教师安心、静心、舒心从教。",
        ],
    ),
];

const COLUMNS: &[Column] = &[
    Column {
        slug: "tzgg",
        name: "通知公告",
        style: DateStyle::Iso,
        articles: TZGG,
    },
    Column {
        slug: "jydt",
        name: "教育动态",
        style: DateStyle::Iso,
        articles: JYDT,
    },
    Column {
        slug: "zcjd",
        name: "政策解读",
        style: DateStyle::Chinese,
        articles: ZCJD,
    },
];

/// Generates every page of Site B into `b` and records what it plants.
pub(crate) fn build(b: &mut Builder) {
    let mut per_column = Vec::new();
    for column in COLUMNS {
        let mut items = Vec::new();
        for article in column.articles {
            let r = render(b, ROOT, column, article, SITE_B);
            b.html(r.path.clone(), layout(&r.title, &r.body));
            items.push(r);
        }
        // 通知公告 is a table, the other columns are lists: both styles occur in the wild.
        let rows = if column.slug == "tzgg" {
            table_rows(&items)
        } else {
            format!(
                "<ul class=\"news\">\n{}</ul>\n",
                list_rows(&items, column.style)
            )
        };
        let main = format!(
            "<div class=\"crumb\">当前位置：<a href=\"{ROOT}\">首页</a> &gt; {}</div>\n<h2>{}</h2>\n{rows}<p class=\"pager\">共{}条</p>\n",
            column.name,
            column.name,
            items.len()
        );
        let html = layout(column.name, &main);
        b.html(format!("{ROOT}{}/", column.slug), html.clone());
        b.html(format!("{ROOT}{}/index.html", column.slug), html);
        per_column.push(items);
    }
    home(b, &per_column);
    b.add(LOGO, 200, "image/svg+xml", LOGO_SVG);
    b.add(STYLESHEET, 200, "text/css; charset=utf-8", STYLE);
    b.plant(
        "link.broken",
        SITE_B,
        MISSING_BANNER,
        None,
        "首页横幅图片已被删除，返回 404（首页错链，按国家指标扣分）",
    );
}

fn table_rows(items: &[Rendered]) -> String {
    let rows: String = items
        .iter()
        .map(|r| {
            format!(
                "<tr><td><a href=\"{}\">{}</a></td><td class=\"date\">{}</td></tr>\n",
                r.path,
                escape(&r.title),
                DateStyle::Iso.format(r.date)
            )
        })
        .collect();
    format!("<table class=\"notices\">\n<tr><th>标题</th><th>发布日期</th></tr>\n{rows}</table>\n")
}

fn home(b: &mut Builder, per_column: &[Vec<Rendered>]) {
    let news: Vec<Rendered> = per_column
        .get(1)
        .map(|v| v.iter().take(5).cloned().collect())
        .unwrap_or_default();
    let notices: Vec<Rendered> = per_column
        .first()
        .map(|v| v.iter().take(5).cloned().collect())
        .unwrap_or_default();
    let main = format!(
        r#"<div class="banner"><img src="{MISSING_BANNER}" alt="义务教育招生入学专题" width="1000" height="160"></div>
<section class="half"><h2>教育动态 <a class="more" href="{ROOT}jydt/">更多</a></h2>
<ul class="news">
{}</ul></section>
<section class="half"><h2>通知公告 <a class="more" href="{ROOT}tzgg/">更多</a></h2>
<ul class="news">
{}</ul></section>
"#,
        list_rows(&news, DateStyle::Iso),
        list_rows(&notices, DateStyle::Iso)
    );
    let html = layout_titled("青岛市教育局", &main);
    b.html(ROOT, html.clone());
    b.html(format!("{ROOT}index.html"), html);
}

fn layout(title: &str, main: &str) -> String {
    layout_titled(&format!("{title} - 青岛市教育局"), main)
}

fn layout_titled(title: &str, main: &str) -> String {
    let nav: String = std::iter::once(format!("<li><a href=\"{ROOT}\">首页</a></li>"))
        .chain(
            COLUMNS
                .iter()
                .map(|c| format!("<li><a href=\"{ROOT}{}/\">{}</a></li>", c.slug, c.name)),
        )
        .collect();
    format!(
        r#"<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{}</title>
<link rel="stylesheet" href="{STYLESHEET}">
</head>
<body>
<header class="top"><img src="{LOGO}" alt="" width="48" height="48"><span>青岛市教育局</span></header>
<nav class="main-nav"><ul>{nav}</ul></nav>
<main class="container">
{main}</main>
<footer><p>主办：青岛市教育局　咨询电话：{HOTLINE_LANDLINE}</p><p>网站标识码：3702000025　鲁ICP备05038127号</p></footer>
</body>
</html>
"#,
        escape(title)
    )
}

const LOGO_SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48" viewBox="0 0 48 48"><circle cx="24" cy="24" r="22" fill="#1565c0"/><text x="24" y="31" font-size="20" text-anchor="middle" fill="#fff">教</text></svg>
"##;

const STYLE: &str = "body{margin:0;font:15px/1.8 \"PingFang SC\",\"Microsoft YaHei\",sans-serif;color:#222;background:#eef3f8}\n\
a{color:#1a4f8b;text-decoration:none}\n\
.top{background:#1565c0;color:#fff;padding:12px 24px;display:flex;align-items:center;gap:12px;font-size:26px;font-weight:bold}\n\
.main-nav ul{margin:0;padding:0 24px;list-style:none;display:flex;background:#0d47a1}.main-nav a{display:block;padding:8px 22px;color:#fff}\n\
.container{max-width:1000px;margin:16px auto;background:#fff;padding:16px 24px;overflow:hidden}\n\
.banner{height:160px;background:#bbdefb;color:#0d47a1;text-align:center;line-height:160px;overflow:hidden}\n\
.half{float:left;width:48%;margin-right:2%}.more{float:right;font-size:12px;font-weight:normal}\n\
.news{list-style:none;padding:0}.news li{border-bottom:1px solid #eee;display:flex;justify-content:space-between}\n\
.news li a{overflow:hidden;text-overflow:ellipsis;white-space:nowrap;margin-right:12px}.date{flex:none;color:#888}\n\
.notices{width:100%;border-collapse:collapse}.notices td,.notices th{border-bottom:1px solid #eee;padding:4px}\n\
.crumb{font-size:12px;color:#666}.article h1{text-align:center;font-size:22px}.info{text-align:center;color:#888;font-size:12px}\n\
footer{text-align:center;font-size:12px;color:#666;padding:12px}\n";
