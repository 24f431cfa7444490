//! The columns and articles of 市南区人民政府门户网站 (Site A). Data only; see `site_a`.

use super::articles::{Age, Article, Column, Extra, Plant};
use super::content::DateStyle;

/// Path of the 500 page linked from a policy article.
pub(crate) const SERVER_ERROR_PAGE: &str = "/shinan/zcjd/tujie_louyu.html";
/// Path of the image that 404s on the same article.
pub(crate) const MISSING_IMAGE: &str = "/shinan/images/zcjd_louyu.jpg";
/// Path of the xlsx attachment (低保名单).
pub(crate) const XLSX_PATH: &str = "/shinan/files/dibao.xlsx";
/// Path of the docx attachment (临时救助公示).
pub(crate) const DOCX_PATH: &str = "/shinan/files/linshijiuzhu.docx";
/// Age of the 低保 公示 (the newest 通知公告 item: eight months, so the column is stale).
pub(crate) const DIBAO_AGE: Age = Age::Months(8, 0);
/// Age of the 临时救助 公示.
pub(crate) const DOCX_AGE: Age = Age::Months(8, 9);
/// The out-of-scope "external" site an article links to.
pub(crate) const EXTERNAL_PAGE: &str = "/qdgov/";

const MISUSED: &[Plant] = &[
    Plant {
        rule_id: "error.misused_word",
        needle: "按装",
        note: "错别字：“按装”应为“安装”",
    },
    Plant {
        rule_id: "error.misused_word",
        needle: "迫不急待",
        note: "错别字：“迫不急待”应为“迫不及待”",
    },
    Plant {
        rule_id: "error.misused_word",
        needle: "再接再励",
        note: "错别字：“再接再励”应为“再接再厉”",
    },
];

const SERIOUS: &[Plant] = &[
    Plant {
        rule_id: "error.serious_expression",
        needle: "一带一路战略",
        note: "严重表述错误：应表述为“一带一路”倡议，不称“战略”",
    },
    Plant {
        rule_id: "error.serious_expression",
        needle: "中华人民共合国",
        note: "严重表述错误：国家名称错写为“中华人民共合国”",
    },
];

const ZWDT: &[Article] = &[
    Article::plain(
        Age::Days(1),
        "市南区政府召开常务会议 研究部署近期重点工作",
        "区政府办公室",
        &[
            "近日，区长主持召开区政府常务会议，传达学习上级有关会议精神，研究部署城市更新、民生保障和安全生产等近期重点工作。",
            "会议强调，各部门要坚持目标导向、问题导向，细化工作举措，压实工作责任，确保各项任务按时保质完成。会议还研究了其他事项。",
        ],
    ),
    Article {
        age: Age::Days(3),
        title: "市南区老旧小区加装电梯工作取得阶段性成效",
        source: "区住房城乡建设局",
        paras: &[
            "今年以来，市南区坚持把既有住宅加装电梯作为重要民生实事，按照“政府引导、业主自愿、依法依规”的原则稳步推进。截至目前，全区已完成按装电梯42部，另有18部正在施工。",
            "在八大峡街道某小区，电梯正式投入使用当天，不少老年居民迫不急待地走进新电梯，体验“一键到家”的便利。",
            "区住房城乡建设局负责同志表示，下一步将再接再励，优化审批流程，加强施工安全监管，让更多居民早日实现“上下楼不再难”。",
        ],
        extra: Extra::None,
        plants: MISUSED,
    },
    Article::plain(
        Age::Days(4),
        "市南区开展“清洁家园”环境卫生集中整治行动",
        "区城市管理局",
        &[
            "为进一步提升城市精细化管理水平，市南区近日组织开展“清洁家园”环境卫生集中整治行动，重点清理背街小巷、老旧小区和农贸市场周边的卫生死角。",
            "行动期间，各街道共出动人员1200余人次，清运各类垃圾86吨，整治乱堆乱放点位210处。",
        ],
    ),
    Article {
        age: Age::Days(6),
        title: "市南区举办{Y}年对外开放合作交流会",
        source: "区商务局",
        paras: &[
            "近日，市南区举办{Y}年对外开放合作交流会，来自日本、韩国、新加坡等国家和地区的40余家企业代表参会，现场签约项目12个。",
            "会上，区商务局介绍了市南区主动融入一带一路战略、建设高水平对外开放新高地的工作举措，并对《中华人民共合国外商投资法》及相关配套政策进行了解读。",
            "与会企业代表表示，将进一步深化与市南区在航运贸易、金融服务、文化旅游等领域的合作。",
        ],
        extra: Extra::None,
        plants: SERIOUS,
    },
    Article::plain(
        Age::Days(8),
        "区领导到街道调研基层治理工作",
        "区政府办公室",
        &[
            "近日，区领导到金门路街道、湛山街道调研基层治理工作，实地察看社区党群服务中心、网格化服务管理站点运行情况。",
            "调研指出，要持续深化网格化服务管理，推动资源、服务、管理向基层下沉，切实解决好群众急难愁盼问题。",
        ],
    ),
    Article::plain(
        Age::Days(10),
        "市南区举办就业援助专场招聘会",
        "区人力资源社会保障局",
        &[
            "近日，市南区在区人力资源市场举办就业援助专场招聘会，组织56家用人单位提供就业岗位820余个，涵盖商贸服务、物业管理、养老护理等行业。",
            "招聘会现场设置政策咨询、技能培训报名等服务台，当天共有430余人进场求职，初步达成就业意向156人。",
        ],
    ),
    Article::plain(
        Age::Days(13),
        "市南区召开优化营商环境工作推进会",
        "区发展改革局",
        &[
            "市南区近日召开优化营商环境工作推进会，通报全区营商环境评价指标进展情况，部署下一阶段重点任务。",
            "会议要求，各部门要聚焦企业全生命周期服务，持续压减办理时限和申报材料，推动更多事项“一次办好”。",
        ],
    ),
    Article::plain(
        Age::Days(15),
        "市南区开展消防安全宣传进社区活动",
        "区应急管理局",
        &[
            "为提高居民消防安全意识，市南区近日联合消防救援部门开展消防安全宣传进社区活动，通过展板讲解、灭火器实操演示等方式普及消防知识。",
            "活动共发放宣传资料3000余份，为社区居民排查家庭用电、用气隐患80余处。",
        ],
    ),
    Article::plain(
        Age::Days(17),
        "市南区“文明实践在身边”志愿服务活动启动",
        "区委宣传部",
        &[
            "近日，市南区“文明实践在身边”志愿服务活动正式启动。活动将持续至年底，围绕理论宣讲、邻里互助、文明交通等内容开展志愿服务。",
            "目前，全区已注册志愿者6.8万人，组建各类志愿服务队伍420余支。",
        ],
    ),
    Article {
        age: Age::Days(20),
        title: "市南区深化“一网通办”政务服务改革",
        source: "区行政审批服务局",
        paras: &[
            "市南区持续深化“一网通办”改革，目前已有1260项政务服务事项实现网上可办，其中890项实现“全程网办”。",
            "群众可通过青岛政务服务网、“爱山东”移动端等渠道在线申报，也可到区政务服务大厅综合窗口“一窗受理”。",
        ],
        extra: Extra::Related("青岛市人民政府门户网站", EXTERNAL_PAGE),
        plants: &[],
    },
    Article::plain(
        Age::Days(24),
        "市南区开展食品安全专项检查",
        "区市场监管局",
        &[
            "为保障群众“舌尖上的安全”，区市场监管局近日对辖区学校食堂、大型餐饮单位和农贸市场开展食品安全专项检查。",
            "本次检查共检查经营主体215家，督促整改问题48个，立案查处违法案件3起。",
        ],
    ),
    Article::plain(
        Age::Days(27),
        "市南区召开民生实事项目推进会",
        "区政府办公室",
        &[
            "市南区近日召开民生实事项目推进会，逐项听取年度民生实事项目进展情况汇报。",
            "会议要求，各责任单位要倒排工期、挂图作战，确保民生实事项目按期完成、取得实效。",
        ],
    ),
    Article::plain(
        Age::Days(31),
        "市南区举办老年人智能手机使用培训",
        "区民政局",
        &[
            "为帮助老年人跨越“数字鸿沟”，市南区在各街道社区开设老年人智能手机使用培训班，讲解医保电子凭证使用、网上挂号、移动支付等常用功能。",
            "培训由社区工作者和志愿者一对一辅导，已累计培训老年人2100余人次。",
        ],
    ),
    Article::plain(
        Age::Days(35),
        "市南区举办社区党组织书记培训班",
        "区委组织部",
        &[
            "近日，市南区举办社区党组织书记培训班，全区各社区党组织书记参加培训。",
            "培训采取专题辅导、现场教学、交流研讨等方式，进一步提升社区党组织书记抓党建、抓治理、抓服务的能力。",
        ],
    ),
];

const TZGG: &[Article] = &[
    Article {
        age: DIBAO_AGE,
        title: "关于{Y}年{M}月份新增城乡最低生活保障对象的公示",
        source: "区民政局",
        paras: &[
            "根据《社会救助暂行办法》和《山东省最低生活保障办法》有关规定，经个人申请、街道办事处审核、区民政局审批，{Y}年{M}月份全区新增城乡最低生活保障对象5户。现将名单予以公示（详见附件），公示期为7天。",
            "公示期间，如对公示对象有异议，请向区民政局社会救助科反映。监督电话：0532-82873016。",
        ],
        extra: Extra::Attachment("{Y}年{M}月份新增城乡低保对象名单.xlsx", XLSX_PATH),
        plants: &[],
    },
    Article {
        age: DOCX_AGE,
        title: "关于临时救助资金发放情况的公示",
        source: "区民政局",
        paras: &[
            "为切实保障困难群众基本生活，经审核审批，现将近期临时救助资金发放情况予以公示，具体内容详见附件。",
            "公示期为5个工作日。如有异议，请在公示期内向区民政局反映。",
        ],
        extra: Extra::Attachment("临时救助资金发放情况公示.docx", DOCX_PATH),
        plants: &[],
    },
    Article::plain(
        Age::Months(9, 3),
        "关于开展城镇燃气安全隐患排查整治的通告",
        "区应急管理局",
        &[
            "为有效防范化解城镇燃气安全风险，区政府决定在全区范围内开展城镇燃气安全隐患排查整治工作。",
            "请各燃气经营企业、餐饮经营单位和广大居民积极配合入户安全检查，发现燃气泄漏请立即关闭阀门、开窗通风，并拨打燃气企业抢修电话。",
        ],
    ),
    Article::plain(
        Age::Months(10, 0),
        "关于调整区政务服务大厅部分窗口办公时间的公告",
        "区行政审批服务局",
        &[
            "为更好地服务企业和群众，自本公告发布之日起，区政务服务大厅不动产登记、社保医保窗口实行延时服务，工作日办公时间延长至下午6时。",
            "周六上午提供预约服务，请办事群众提前通过线上渠道预约。",
        ],
    ),
    Article::plain(
        Age::Months(11, 12),
        "关于开展{Y}年度区级文明单位申报工作的通知",
        "区委宣传部",
        &[
            "各街道、区直各部门：根据全区精神文明建设工作安排，现就{Y}年度区级文明单位申报工作通知如下。",
            "请各单位对照测评标准认真开展自查，于规定时间内报送申报材料。",
        ],
    ),
];

const ZCWJ: &[Article] = &[
    Article {
        age: Age::Days(6),
        title: "市南区人民政府办公室关于印发市南区促进楼宇经济高质量发展若干措施的通知",
        source: "区政府办公室",
        paras: &[
            "各街道办事处，区政府各部门，各直属单位：",
            "《市南区促进楼宇经济高质量发展若干措施》已经区政府同意，现印发给你们，请认真贯彻执行。",
            "本措施自印发之日起施行，由区发展改革局负责解释。",
        ],
        extra: Extra::Illustrated(
            "【图解】市南区促进楼宇经济高质量发展若干措施",
            SERVER_ERROR_PAGE,
            MISSING_IMAGE,
        ),
        plants: &[],
    },
    Article::plain(
        Age::Days(22),
        "市南区人民政府办公室关于进一步加强老旧小区物业管理的实施意见",
        "区政府办公室",
        &[
            "为进一步提升老旧小区物业服务水平，改善群众居住环境，结合我区实际，提出如下实施意见。",
            "各街道要落实属地管理责任，指导社区建立健全物业服务监督机制，推动老旧小区物业服务全覆盖。",
        ],
    ),
    Article::plain(
        Age::Days(45),
        "市南区人民政府关于公布区级行政许可事项清单的通知",
        "区政府办公室",
        &[
            "根据国务院、省政府关于全面实行行政许可事项清单管理的部署要求，区政府对区级行政许可事项进行了梳理，现将清单予以公布。",
            "各部门要严格按照清单实施行政许可，不得在清单之外违法实施变相许可。",
        ],
    ),
    Article::plain(
        Age::Days(70),
        "市南区人民政府办公室关于印发市南区突发事件总体应急预案的通知",
        "区政府办公室",
        &[
            "《市南区突发事件总体应急预案》已经区政府同意，现印发给你们，请认真组织实施。",
            "各部门要加强应急值守，完善应急物资储备，定期组织开展应急演练。",
        ],
    ),
    Article::plain(
        Age::Days(100),
        "市南区人民政府关于印发市南区养老服务体系建设实施方案的通知",
        "区政府办公室",
        &[
            "为积极应对人口老龄化，加快构建居家社区机构相协调、医养康养相结合的养老服务体系，制定本实施方案。",
            "到规划期末，全区每个街道至少建成1处具备综合功能的养老服务中心。",
        ],
    ),
];

const RSXX: &[Article] = &[
    Article::plain(
        Age::Days(40),
        "市南区人民政府关于孙志强等同志职务任免的通知",
        "区政府办公室",
        &[
            "各街道办事处，区政府各部门，各直属单位：",
            "经区政府研究决定：任命孙志强为区发展改革局副局长；免去刘海涛的区城市管理局副局长职务。",
        ],
    ),
    Article::plain(
        Age::Days(95),
        "市南区{Y}年公开招聘社区工作者拟聘用人员公示",
        "区委组织部",
        &[
            "根据招聘公告规定，经笔试、面试、考察和体检，确定拟聘用人员名单，现予以公示。公示期为7个工作日。",
            "公示期间如有异议，请以书面形式向区委组织部反映，反映问题须署真实姓名。",
        ],
    ),
    Article::plain(
        Age::Days(160),
        "市南区事业单位{Y}年公开招聘工作人员简章",
        "区人力资源社会保障局",
        &[
            "根据工作需要，市南区部分事业单位拟公开招聘工作人员，现将有关事项公告如下。",
            "报名采取网上报名方式进行，报考人员须对提交材料的真实性负责。",
        ],
    ),
    Article::plain(
        Age::Days(250),
        "关于王建华等同志任职前公示的公告",
        "区委组织部",
        &[
            "根据干部选拔任用工作有关规定，现将拟任职人选予以公示。公示期为5个工作日。",
            "对公示对象有异议的，可通过来信、来电、来访等方式向区委组织部反映。",
        ],
    ),
];

/// Site A's navigation columns in menu order: fresh, stale, fresh, fresh, then three blank.
pub(crate) const COLUMNS: &[Column] = &[
    Column {
        slug: "zwdt",
        name: "政务动态",
        style: DateStyle::Iso,
        articles: ZWDT,
    },
    Column {
        slug: "tzgg",
        name: "通知公告",
        style: DateStyle::Bracket,
        articles: TZGG,
    },
    Column {
        slug: "zcwj",
        name: "政策文件",
        style: DateStyle::Chinese,
        articles: ZCWJ,
    },
    Column {
        slug: "rsxx",
        name: "人事信息",
        style: DateStyle::Slash,
        articles: RSXX,
    },
    Column {
        slug: "ghjh",
        name: "规划计划",
        style: DateStyle::Iso,
        articles: &[],
    },
    Column {
        slug: "ztzl",
        name: "专题专栏",
        style: DateStyle::Iso,
        articles: &[],
    },
    Column {
        slug: "hdjl",
        name: "互动交流",
        style: DateStyle::Iso,
        articles: &[],
    },
];

/// Items per list page (the 政务动态 column has a second page).
pub(crate) const PAGE_SIZE: usize = 10;
