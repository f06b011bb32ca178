/* Chinese and English labels for the codes the API answers with. window.Labels */
(function () {
  "use strict";

  // Filled from GET /v1/vocabulary (graphsvc/data/*.yaml and the rule table): one source, no copies here.
  const WARNING_LISTS = {};
  const RULES = {};
  const WARNING_RULES = [];
  const ROLES = { responsibility_finding: "负有直接责任" };
  const DOMAINS = {};
  const KINDS = {};
  const LIST_TYPES = {};

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

  function fill(vocabulary) {
    for (const [code, v] of Object.entries(vocabulary.warning_lists)) WARNING_LISTS[code] = [v.zh, v.en];
    for (const [code, v] of Object.entries(vocabulary.rules)) RULES[code] = [v.zh, v.en];
    for (const [code, v] of Object.entries(vocabulary.roles)) ROLES[code] = v.zh;
    for (const [code, v] of Object.entries(vocabulary.domains)) DOMAINS[code] = v.zh;
    for (const [code, v] of Object.entries(vocabulary.subject_kinds)) KINDS[code] = v.zh;
    for (const [code, v] of Object.entries(vocabulary.list_types)) LIST_TYPES[code] = v.zh;
    for (const [code, v] of Object.entries(vocabulary.rules)) {
      if (v.effects.some((effect) => vocabulary.effects[effect].warning_list)) WARNING_RULES.push(code);
    }
  }

  const ready = fetch(new URL("v1/vocabulary", document.baseURI))
    .then((response) => {
      if (!response.ok) throw new Error(`GET /v1/vocabulary answered ${response.status}`);
      return response.json();
    })
    .then(fill);

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

  window.Labels = { ready, WARNING_LISTS, RULES, WARNING_RULES, STATES, TIERS, ROLES, DOMAINS, KINDS, LIST_TYPES, pair, zhCode };
})();
