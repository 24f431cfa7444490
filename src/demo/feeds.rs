//! The social-media accounts, as the feeds an RSSHub instance would serve for them: an
//! active WeChat account (RSS 2.0), a Weibo account silent for 20 days (Atom), a Douyin
//! account silent for 9 days (JSON Feed 1.1) and a Toutiao route that is broken (HTTP 503
//! with RSSHub's HTML error page). Each post also has a page under `/m/`, so post links work.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};
use serde_json::json;

use super::content::{Builder, escape};
use super::{DOUYIN, TOUTIAO, WECHAT, WEIBO};

/// Feed paths.
pub(crate) const WECHAT_FEED: &str = "/feeds/qingdaofabu.xml";
pub(crate) const WEIBO_FEED: &str = "/feeds/shinanfabu.atom";
pub(crate) const DOUYIN_FEED: &str = "/feeds/shibeiedu.json";
pub(crate) const TOUTIAO_FEED: &str = "/feeds/laoshan.xml";

/// (days ago, title, body HTML) of 青岛发布: a post every day, the newest today.
const WECHAT_POSTS: &[(u64, &str, &str)] = &[
    (
        0,
        "全市重点项目集中开工，总投资超600亿元",
        "<p>昨天，全市重点项目集中开工活动举行，共有86个项目集中开工，总投资超600亿元，涵盖先进制造业、基础设施和民生保障等领域。</p>",
    ),
    (
        1,
        "地铁新线路开通初期运营，出行攻略请收好",
        "<p>新线路开通初期运营，全线设车站21座。首末班车时间、换乘方式等出行信息请见文内图解。</p>",
    ),
    (
        2,
        "全市经济运行总体平稳、稳中向好",
        "<p>从市统计局获悉，今年以来全市主要经济指标保持稳定增长，规模以上工业增加值、社会消费品零售总额等指标增速高于全省平均水平。</p><p>市政府有关负责同志表示，各级各部门要再接再励，持续巩固经济回升向好态势，确保完成全年目标任务。</p>",
    ),
    (
        3,
        "这些惠民政策，本月起施行",
        "<p>本月起，一批涉及社保、医疗、住房等领域的惠民政策开始施行，一起来看。</p>",
    ),
    (
        4,
        "我市部署城市更新和城市建设三年攻坚行动",
        "<p>我市将聚焦历史城区保护更新、老旧小区改造等重点任务，持续提升城市品质。</p>",
    ),
    (
        5,
        "市民文化节启动，200余项活动等你来",
        "<p>市民文化节正式启动，将陆续推出演出、展览、讲座等文化活动200余项，大部分活动免费向市民开放。</p>",
    ),
    (
        6,
        "全市空气质量持续改善",
        "<p>今年以来，全市空气质量优良天数比例同比上升，细颗粒物平均浓度同比下降。</p>",
    ),
    (
        7,
        "我市新增一批“15分钟健身圈”",
        "<p>我市新建改造一批社区体育公园和健身步道，市民步行15分钟即可到达健身场地。</p>",
    ),
    (
        8,
        "青岛港集装箱吞吐量保持增长",
        "<p>今年以来，青岛港集装箱吞吐量保持增长，新增航线12条。</p>",
    ),
    (
        9,
        "市政府新闻办召开新闻发布会介绍优化营商环境有关情况",
        "<p>发布会介绍了我市优化营商环境的主要举措和成效，并回答了记者提问。</p>",
    ),
];

/// 市南发布 (Weibo): the newest post is 20 days old.
const WEIBO_POSTS: &[(u64, &str)] = &[
    (
        20,
        "#市南发布# 【老旧小区加装电梯“加速跑”】今年以来，我区已完成加装电梯42部，另有18部正在施工。",
    ),
    (
        22,
        "【便民提示】区政务服务大厅周六上午提供预约服务，办事群众可提前在线预约。",
    ),
    (
        25,
        "【就业援助专场招聘会举行】56家用人单位提供就业岗位820余个，现场初步达成就业意向156人。",
    ),
    (
        28,
        "【消防安全宣传进社区】发放宣传资料3000余份，排查家庭用电、用气隐患80余处。",
    ),
    (
        33,
        "【食品安全专项检查】检查经营主体215家，督促整改问题48个。",
    ),
    (
        40,
        "【志愿服务】“文明实践在身边”志愿服务活动启动，欢迎广大市民踊跃参与。",
    ),
];

/// 市北区教育 (Douyin): the newest post is 9 days old; one leaks a teacher's mobile.
const DOUYIN_POSTS: &[(u64, &str, &str)] = &[
    (
        9,
        "市北区中小学“阳光大课间”展示",
        "市北区中小学“阳光大课间”展示活动举行，跳绳、武术、韵律操轮番上阵。#阳光体育",
    ),
    (
        11,
        "市北区教师基本功比赛决赛举行",
        "全区120余名青年教师同台竞技，展示课堂教学基本功。",
    ),
    (
        14,
        "【失物招领】学校门口拾到学生书包一个",
        "【失物招领】今天放学后在学校门口拾到学生书包一个，内有课本和文具。请失主家长联系值班教师刘老师，电话13863927461。",
    ),
    (
        18,
        "市北区举办中小学生科技节",
        "机器人、航模、科学实验……科技节上同学们大显身手。",
    ),
    (
        23,
        "校园安全应急疏散演练",
        "全区中小学开展应急疏散演练，提升师生安全意识和自救互救能力。",
    ),
    (
        29,
        "中小学生书法比赛作品展",
        "一笔一画写好中国字，快来欣赏同学们的书法作品。",
    ),
];

/// Shanghai time of a post: `days` before `today` at `hour:minute`.
fn post_time(b: &Builder, days: u64, hour: u32, minute: u32) -> DateTime<FixedOffset> {
    // UTC+8 is always a valid offset: east_opt fails only beyond ±24 h.
    let offset = FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    let date: NaiveDate = b.days_ago(days);
    let time = NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or(NaiveTime::MIN);
    date.and_time(time)
        .and_local_timezone(offset)
        .single()
        .unwrap_or_else(|| date.and_time(NaiveTime::MIN).and_utc().fixed_offset())
}

/// Serves a page for one post so the feed's links lead somewhere.
fn post_page(
    b: &mut Builder,
    slug: &str,
    n: usize,
    account: &str,
    title: &str,
    body_html: &str,
    at: DateTime<FixedOffset>,
) -> String {
    let path = format!("/m/{slug}/{n}.html");
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{t}</title></head>\n<body><h1>{t}</h1><p>{a}　{at}</p>\n{body_html}\n</body></html>\n",
        t = escape(title),
        a = escape(account),
        at = at.format("%Y-%m-%d %H:%M")
    );
    b.html(path.clone(), html);
    b.url(&path)
}

/// Adds the four feeds, their post pages, and what they plant.
pub(crate) fn build(b: &mut Builder) {
    wechat(b);
    weibo(b);
    douyin(b);
    toutiao(b);
}

fn wechat(b: &mut Builder) {
    let mut items = String::new();
    for (n, (days, title, body)) in WECHAT_POSTS.iter().enumerate() {
        // The morning push today; evening pushes on earlier days.
        let at = if *days == 0 {
            post_time(b, 0, 6, 30)
        } else {
            post_time(b, *days, 17, 30)
        };
        let link = post_page(b, "qingdaofabu", n + 1, WECHAT, title, body, at);
        items.push_str(&format!(
            "<item><title>{}</title><link>{link}</link><guid isPermaLink=\"false\">qingdaofabu-{}</guid><pubDate>{}</pubDate><description>{}</description></item>\n",
            escape(title),
            n + 1,
            at.to_rfc2822(),
            escape(body)
        ));
    }
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>青岛发布</title><link>{}</link><description>青岛市人民政府新闻办公室官方微信公众号 - Powered by RSSHub</description><language>zh-cn</language>\n{items}</channel></rss>\n",
        b.url("/m/qingdaofabu/")
    );
    b.add(WECHAT_FEED, 200, "application/rss+xml; charset=utf-8", xml);
    b.plant(
        "error.misused_word",
        WECHAT,
        "qingdaofabu",
        None,
        "公众号推文中“再接再励”应为“再接再厉”",
    );
}

fn weibo(b: &mut Builder) {
    let mut entries = String::new();
    for (n, (days, text)) in WEIBO_POSTS.iter().enumerate() {
        let at = post_time(b, *days, 10, 0);
        let body = format!("<p>{}</p>", escape(text));
        let title: String = text.chars().take(24).collect();
        let link = post_page(b, "shinanfabu", n + 1, WEIBO, &title, &body, at);
        entries.push_str(&format!(
            "<entry><title>{}</title><id>{link}</id><link href=\"{link}\"/><published>{ts}</published><updated>{ts}</updated><content type=\"html\">{}</content></entry>\n",
            escape(&title),
            escape(&body),
            ts = at.to_rfc3339()
        ));
    }
    let newest = WEIBO_POSTS
        .first()
        .map(|(d, _)| post_time(b, *d, 10, 0).to_rfc3339())
        .unwrap_or_default();
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>市南发布的微博</title><id>{id}</id><link href=\"{id}\"/><updated>{newest}</updated>\n{entries}</feed>\n",
        id = b.url("/m/shinanfabu/")
    );
    b.add(WEIBO_FEED, 200, "application/atom+xml; charset=utf-8", xml);
    b.plant(
        "activity.inactive_account",
        WEIBO,
        WEIBO_FEED,
        None,
        "微博账号最近一次发布在 20 天前，超过 2 周未更新（单项否决）",
    );
}

fn douyin(b: &mut Builder) {
    let mut items = Vec::new();
    for (n, (days, title, text)) in DOUYIN_POSTS.iter().enumerate() {
        let at = post_time(b, *days, 16, 45);
        let link = post_page(
            b,
            "shibeiedu",
            n + 1,
            DOUYIN,
            title,
            &format!("<p>{}</p>", escape(text)),
            at,
        );
        items.push(json!({
            "id": format!("shibeiedu-{}", n + 1),
            "url": link,
            "title": title,
            "content_text": text,
            "date_published": at.to_rfc3339(),
        }));
    }
    let feed = json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": "市北区教育的抖音",
        "home_page_url": b.url("/m/shibeiedu/"),
        "feed_url": b.url(DOUYIN_FEED),
        "items": items,
    });
    b.add(
        DOUYIN_FEED,
        200,
        "application/feed+json; charset=utf-8",
        feed.to_string(),
    );
    b.plant(
        "activity.inactive_account",
        DOUYIN,
        DOUYIN_FEED,
        None,
        "抖音账号最近一次发布在 9 天前，超过 7 天未更新（预警）",
    );
    b.plant(
        "pii.mobile",
        DOUYIN,
        "shibeiedu",
        None,
        "抖音作品文案公开了教师个人手机号码",
    );
}

fn toutiao(b: &mut Builder) {
    // What RSSHub answers when a route's upstream is down: 503 and an HTML page.
    let html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Error | RSSHub</title></head>\n<body><h1>Looks like something went wrong in RSSHub</h1><p>Route: /toutiao/user/laoshanfabu</p><p>Error message: <code>FetchError: [GET] \"https://www.toutiao.com/api/pc/feed/\": 403 Forbidden</code></p><p>Helpful Information: this route may have been blocked by the source site.</p><p>Powered by RSSHub</p></body></html>\n";
    b.add(TOUTIAO_FEED, 503, "text/html; charset=utf-8", html);
    b.plant(
        "source.unreachable",
        TOUTIAO,
        TOUTIAO_FEED,
        None,
        "头条号订阅源返回 RSSHub 错误页（HTTP 503）：应报“无法获取”，不能误判为账号长期未更新",
    );
}
