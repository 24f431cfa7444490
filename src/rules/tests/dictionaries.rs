//! Dictionary rules: the built-in word lists, exceptions, effective dates, and a
//! sample of correct government prose that must produce no hit at all.

use std::collections::HashSet;

use super::super::TextContext;
use super::super::pack::{PackSource, load};
use super::super::{RuleOverrides, RuleSet, Severity};
use super::{day, hasher, ids, rules, scan, scan_rules};

/// About 2,000 characters of correct 政务 prose, including contexts that contain
/// wrong forms across word boundaries (按装修, 学习贯彻, 进一步聚焦, 关注消费者, 扶优扶强).
pub(crate) const CORRECT_PROSE: &str = "青岛市人民政府办公厅关于进一步加强政府网站和政务新媒体管理工作的通知

各区、市人民政府，市政府各部门，市直各单位：

为深入贯彻落实《国务院办公厅关于加强政府网站信息内容建设的意见》和《政府网站与政务新媒体检查指标》要求，进一步提升我市政府网站和政务新媒体管理水平，推动政务公开工作高质量发展，经市政府同意，现就有关事项通知如下。

一、提高思想认识，压实工作责任。政府网站和政务新媒体是党和政府联系群众、服务群众的重要渠道，是推进国家治理体系和治理能力现代化的重要手段。各级各部门要坚持以人民为中心的发展思想，把办好政府网站和政务新媒体作为践行群众路线的重要举措，主要负责同志要亲自研究、亲自部署，分管负责同志要具体抓好落实，确保各项工作要求落到实处。

二、严格内容审核，确保信息准确。各单位要建立健全信息发布审核制度，坚持“先审后发”，严把政治关、政策关、文字关。发布涉及国家秘密、商业秘密和个人隐私的信息前，要依法依规进行审查，对公示名单中的身份证号码、手机号码、银行账号、家庭住址等个人信息，应当进行去标识化处理。对已经发布的信息，要组织开展一次全面自查，发现问题及时整改，坚决杜绝错别字、错误表述和泄露个人信息等问题。

三、加强日常监测，及时更新内容。各单位要安排专人负责网站和新媒体的日常运维，动态、要闻类栏目要及时更新，通知公告、政策文件类栏目要按照规定时限发布，人事、规划计划类栏目要定期维护。对长期不更新、内容空白的栏目，要及时进行整合或关停。要加强链接可用性检查，对首页和其他页面上不可用的链接、图片和附件，要在发现后立即修复。

四、做好互动回应，提升服务效能。各单位要认真办理网民留言和“我为政府网站找错”平台转办的问题，原则上在3个工作日内答复，确实无法按时办结的，要向留言人说明情况。要充分利用大数据分析手段，梳理群众反映集中的热点难点问题，为科学决策提供参考，切实做到件件有着落、事事有回音。

五、强化安全防护，保障平稳运行。各单位要落实网络安全等级保护制度，定期开展安全检测和应急演练，防范网页篡改、数据泄露等安全风险。要加强账号和密码管理，严禁将管理权限交由无关人员使用，确保网站和新媒体账号安全可控。

六、健全考核机制，推动常态长效。市政府办公厅将会同有关部门，对各单位政府网站和政务新媒体开展季度检查和年度考评，检查结果在全市范围内通报，并纳入绩效考核。对问题突出、整改不力的单位，将约谈有关负责同志。

七、聚焦重点任务，狠抓工作落实。全市上下要再接再厉、锲而不舍，坚持实事求是、因地制宜，做到统筹兼顾、循序渐进。要一如既往地弘扬脚踏实地、兢兢业业的工作作风，雷厉风行抓落实，厉行节约反对浪费，坚决防止徇私舞弊、推诿扯皮等问题。要学习贯彻习近平新时代中国特色社会主义思想，进一步聚焦群众急难愁盼，关注消费者权益保护，扶优扶强培育市场主体。即使任务再重，也要按照部署按时完成；既然作出承诺，就要不折不扣兑现。

八、规范资金管理，确保专款专用。城乡低保金、抚恤金、优抚对象补助和各类补贴资金要按月拨付，通过社会化方式发放到户，严禁截留挪用。各单位要建立资金发放台账，按装修面积计算的住房补贴，要严格审核申请材料，对赡养人、抚养人的收入状况进行核查。项目竣工验收后，应在规定时限内完成结算，转账凭证要妥善保存。报名截止日期为2025年6月30日，届时将统一组织应届毕业生参加选拔考试，招聘结果将在本网站公示。

九、加强统筹协调，形成工作合力。各区、市要发挥属地管理作用，会同有关部门建立健全协调联动机制，定期召开工作推进会，研究解决网站集约化建设、数据共享和安全防护中遇到的困难和问题。要组织开展业务培训，提高工作人员的政治素养和业务能力，打造一支政治过硬、本领高强、作风优良的工作队伍。对工作中涌现出的好经验、好做法，要认真总结推广，形成可复制、可借鉴的制度成果，切实发挥示范带动作用。

十、严肃工作纪律，确保取得实效。各单位要严格遵守中央八项规定精神，力戒形式主义、官僚主义，不得以填表报数代替工作落实，不得层层加码增加基层负担。对弄虚作假、敷衍塞责的，一经查实，依规依纪依法严肃处理。

十一、做好宣传引导，营造良好氛围。各单位要通过政府网站、政务新媒体、新闻发布会等多种渠道，及时发布权威信息，准确解读政策内容，积极回应社会关切。对涉及群众切身利益的重大政策，要同步制发解读材料，用通俗易懂的语言讲清楚政策背景、主要内容和办理流程，让群众看得懂、用得上、办得成。

各单位要于每季度最后一个月的20日前，将本单位自查整改情况报送市政府办公厅政务公开办公室。联系人：市政府办公厅政务公开处，联系电话：0532-85912345。

附件：1.政府网站与政务新媒体检查指标
      2.个人信息保护工作指引

青岛市人民政府办公厅
2025年5月16日

（此件公开发布）";

#[test]
fn correct_government_prose_produces_no_hit() {
    assert!(
        CORRECT_PROSE.chars().count() >= 2000,
        "{}",
        CORRECT_PROSE.chars().count()
    );
    let hits = scan(&rules(), CORRECT_PROSE);
    assert!(hits.is_empty(), "{hits:#?}");
}

fn entries(rule: &str) -> Vec<super::super::DictEntry> {
    load(&PackSource::defaults())
        .unwrap()
        .rules
        .into_iter()
        .find(|r| r.id == rule)
        .unwrap()
        .entries
}

#[test]
fn misused_word_dictionary_is_large_unique_and_self_consistent() {
    let list = entries("error.misused_word");
    assert!(list.len() >= 300, "{}", list.len());
    let mut seen = HashSet::new();
    for e in &list {
        assert!(seen.insert(e.wrong.clone()), "duplicate {}", e.wrong);
        assert_ne!(e.wrong, e.right);
        assert!(e.wrong.chars().count() >= 2);
        for x in &e.exceptions {
            assert!(x.contains(&e.wrong), "{x} must contain {}", e.wrong);
        }
    }
    // No correct form, and no exception context, triggers any entry.
    let r = rules();
    for e in &list {
        let text = format!("{}。{}", e.right, e.exceptions.join("，"));
        let hits = scan_rules(&r, &text, "error");
        assert!(
            hits.is_empty(),
            "correct “{}” hit {:?}",
            text,
            hits.iter().map(|h| &h.value_hash).collect::<Vec<_>>()
        );
    }
}

#[test]
fn every_misused_word_is_found_with_its_suggestion() {
    let r = rules();
    for e in entries("error.misused_word") {
        let text = format!("我们{}了。", e.wrong);
        let hits = scan_rules(&r, &text, "error.misused_word");
        assert_eq!(hits.len(), 1, "{text}: {hits:?}");
        assert_eq!(hits[0].suggestion.as_deref(), Some(e.right.as_str()));
        assert_eq!(hits[0].value_hash, e.wrong);
        assert_eq!(hits[0].severity, Severity::Deduct);
        assert!(hits[0].points > 0.0);
        assert!(hits[0].message.contains(&e.right));
    }
}

#[test]
fn exceptions_keep_correct_longer_words_clean() {
    let r = rules();
    assert!(scan(&r, "按装修标准计算补贴").is_empty());
    assert_eq!(ids(&scan(&r, "请尽快按装空调")), vec!["error.misused_word"]);
    assert!(scan(&r, "既使用了新技术，又节约了成本").is_empty());
    assert_eq!(
        scan(&r, "既使困难再大也要完成")[0].suggestion.as_deref(),
        Some("即使")
    );
    assert!(scan(&r, "张教授于5月到校讲座").is_empty());
    assert!(scan(&r, "采用辨证论治的方法").is_empty());
    // Leftmost-longest: the longer wrong form wins and is reported once.
    let hits = scan(&r, "要实是求是");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].suggestion.as_deref(), Some("实事求是"));
}

#[test]
fn serious_expressions_are_veto_candidates_needing_confirmation() {
    let list = entries("error.serious_expression");
    assert!(list.len() >= 60, "{}", list.len());
    let r = rules();
    for text in [
        "中华人民共合国成立",
        "台湾政府发布",
        "香港政府宣布",
        "十九大四中全会",
        "推进一带一路战略",
        "扫黑险恶专项斗争",
    ] {
        let hits = scan(&r, text);
        assert_eq!(ids(&hits), vec!["error.serious_expression"], "{text}");
        assert_eq!(hits[0].severity, Severity::Veto);
        assert!(hits[0].needs_confirmation);
        assert!(hits[0].message.contains("是否构成单项否决"));
    }
    assert!(scan(&r, "1912年中华民国临时政府成立").is_empty());
    assert!(
        scan(
            &r,
            "香港特别行政区政府、台湾地区领导人、十九届四中全会、“一带一路”倡议"
        )
        .is_empty()
    );
}

#[test]
fn effective_dates_decide_which_entries_apply() {
    let text = "新型冠状病毒肺炎疫情防控";
    let before = RuleSet::compile(
        &PackSource::defaults(),
        &RuleOverrides::default(),
        day("2022-12-25"),
    )
    .unwrap();
    let after = RuleSet::compile(
        &PackSource::defaults(),
        &RuleOverrides::default(),
        day("2022-12-26"),
    )
    .unwrap();
    assert!(scan(&before, text).is_empty());
    assert_eq!(ids(&scan(&after, text)), vec!["error.serious_expression"]);
    // A page published before the renaming was correct when it was written.
    let old_page = TextContext {
        published_on: Some(day("2020-02-01")),
        ..Default::default()
    };
    assert!(after.scan_text(text, &old_page, &hasher()).is_empty());
    let new_page = TextContext {
        published_on: Some(day("2023-01-01")),
        ..Default::default()
    };
    assert_eq!(after.scan_text(text, &new_page, &hasher()).len(), 1);
    assert!(after.dictionary_len() > before.dictionary_len());
}
