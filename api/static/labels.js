/* Chinese and English labels for the codes the API answers with. window.Labels */
(function () {
  "use strict";

  const WARNING_LISTS = {
    big_data_warning: ["大数据警示名单", "Big-data warnings"],
    focus_to_black: ["重点关注转黑名单", "Focus list to black list"],
    appointment_ban_violation: ["任职限制违规", "Appointment-ban violations"],
    red_black_conflict: ["红黑名单冲突", "Red/black conflicts"],
    post_exit_monitoring: ["退出后重点监测", "Post-exit monitoring"],
  };

  const RULES = {
    P1: ["记入责任人信用记录", "Recorded in responsible persons' credit records"],
    P3: ["市场和行业禁入", "Market and industry ban"],
    P4: ["撤销荣誉、取消评优", "Honours revoked, barred from awards"],
    P5: ["3年内不得担任法定代表人、负责人", "Appointment ban after serious-illegal list"],
    P6: ["失信被执行人不得任事业单位法定代表人", "Court defaulter as public-institution LR"],
    P7: ["法定代表人政治待遇和荣誉限制", "Political-treatment restriction on the LR"],
    P8: ["关联企业实际控制人重点监管", "Related enterprises' controllers supervised"],
    W1: ["大数据警示", "Big-data warning"],
    W2: ["重点关注转黑名单", "Focus-listed with serious act"],
    W3: ["红黑名单交叉比对", "Red/black conflict"],
    W4: ["退出后重点监测", "Post-exit monitoring"],
  };
  const WARNING_RULES = ["P5", "P6", "W1", "W2", "W3", "W4"];

  const STATES = {
    new: ["待处理", "new"],
    confirmed: ["已确认", "confirmed"],
    dismissed: ["已驳回", "dismissed"],
  };

  const TIERS = {
    public: ["公开", "public"],
    government: ["政府共享", "government"],
    authorised: ["授权查询", "authorised"],
    admin: ["管理", "admin"],
  };

  const ROLES = {
    legal_representative: "法定代表人",
    main_person_in_charge: "主要负责人",
    person_in_charge: "负责人",
    director: "董事",
    supervisor: "监事",
    senior_manager: "高级管理人员",
    shareholder: "股东",
    actual_controller: "实际控制人",
    registered_practitioner: "注册执业人员",
    branch_of: "分支机构",
    related_enterprise: "关联企业",
    responsibility_finding: "负有直接责任",
  };

  const DOMAINS = {
    food_drug: "食品药品安全",
    medical_health: "医疗卫生",
    environment: "生态环境",
    construction_quality: "工程质量",
    product_quality: "产品服务质量",
    safety_production: "安全生产",
    fire_safety: "消防安全",
    compulsory_certification: "强制性产品认证",
    special_equipment: "特种设备安全",
    import_export: "进出境检验检疫",
    customs: "海关",
    tax: "税务",
    finance: "金融",
    securities: "证券监管",
    market_supervision: "市场监管",
    consumer_protection: "消费者权益保护",
    labour_social_security: "劳动保障",
    public_resource_trading: "公共资源交易",
    fiscal_funds: "财政性资金",
    transport: "交通运输",
    e_commerce: "电子商务",
    electronic_certification: "电子认证服务",
    power: "电力行业",
    salt: "盐行业",
    real_estate_land: "房地产和土地",
    agricultural_inputs: "农资",
    statistics: "统计",
    price_metrology: "价格和计量",
    intellectual_property: "知识产权",
    cyberspace: "网络空间",
    judicial: "司法",
    national_defence: "国防义务",
    education: "教育和考试",
    capacity_reduction: "去产能",
    volunteering: "志愿服务",
    government_integrity: "政务诚信",
    other: "其他",
  };

  const KINDS = {
    enterprise: "企业",
    social_org: "社会组织",
    public_institution: "事业单位",
    government: "机关",
    person: "自然人",
  };

  /** "中文 English" for a code in one of the pair tables, or the code itself. */
  function pair(table, code) {
    const found = table[code];
    return found ? `${found[0]} ${found[1]}` : String(code ?? "");
  }

  /** "中文 code" for a code in one of the single-language tables. */
  function zhCode(table, code) {
    if (code === null || code === undefined) return "—";
    return table[code] ? `${table[code]} ${code}` : String(code);
  }

  window.Labels = { WARNING_LISTS, RULES, WARNING_RULES, STATES, TIERS, ROLES, DOMAINS, KINDS, pair, zhCode };
})();
