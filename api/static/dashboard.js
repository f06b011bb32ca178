/* The graphsvc dashboard: statistics, warning lists with their lifecycle, subject drill-down.
 * Plain JavaScript against the JSON API under v1/ (same origin); no libraries, no network beyond the service.
 */
(function () {
  "use strict";

  const L = window.Labels;
  // The key lives in sessionStorage: gone when the tab closes, never shared with other tabs or kept on disk.
  const KEY_STORAGE = "graphsvc.apiKey";
  // Tiers whose keys may decide warnings (the service still checks the key's department).
  const WRITE_TIERS = new Set(["government", "authorised", "admin"]);
  let LIST_ORDER = []; // the warning lists, in the vocabulary's order (set once Labels.ready resolves)
  const TEXT_FILTERS = [
    "filter-region",
    "filter-department",
    "filter-subject",
    "filter-date-from",
    "filter-date-to",
    "filter-sort",
  ];
  const COLUMNS = 13; // of the warnings table

  const state = {
    apiKey: sessionStorage.getItem(KEY_STORAGE) || "",
    authRef: "",
    list: "", // the selected warning list; "" = all lists
    offset: 0,
    limit: 25,
    total: 0,
    tier: null,
    asOf: null, // the date of the last answer (the service's date when the field is empty)
    subjectId: null,
  };

  // -- small DOM helpers ---------------------------------------------------------------------------------

  const $ = (id) => document.getElementById(id);

  /** el("td", {class: "num", dataset: {x: 1}}, "text", childNode, ...) */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "dataset") Object.assign(node.dataset, value);
      else if (name === "onclick") node.addEventListener("click", value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  const show = (value) => (value === null || value === undefined || value === "" ? "—" : String(value));
  // A date the source gave only to the year or month is shown as written (2019, 2019-06), not as its first day.
  const showDate = (value, precision) => {
    if (!value) return "—";
    if (precision === "year") return String(value).slice(0, 4);
    if (precision === "month") return String(value).slice(0, 7);
    return String(value);
  };

  /** Run `work` counted in <body data-pending>: 0 means every answer has been read and drawn. */
  async function withBusy(work) {
    const count = (delta) => {
      document.body.dataset.pending = String(Number(document.body.dataset.pending || "0") + delta);
    };
    count(+1);
    try {
      return await work();
    } finally {
      count(-1);
    }
  }

  // -- the API -------------------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, title, detail) {
      super(detail);
      this.status = status;
      this.title = title;
      this.detail = detail;
    }
  }

  function apiUrl(path, params) {
    const url = new URL(path, document.baseURI);
    for (const [name, value] of Object.entries(params || {})) {
      const values = Array.isArray(value) ? value : [value];
      for (const v of values) if (v !== null && v !== undefined && v !== "") url.searchParams.append(name, v);
    }
    return url;
  }

  function apiHeaders(extra) {
    const headers = { Accept: "application/json", ...(extra || {}) };
    if (state.apiKey) headers["X-API-Key"] = state.apiKey;
    if (state.authRef) headers["X-Authorisation-Ref"] = state.authRef;
    return headers;
  }

  /** fetch + problem+json handling; returns the Response (ok) or throws ApiError with the problem's detail. */
  async function apiFetch(path, params, init) {
    let response;
    try {
      response = await fetch(apiUrl(path, params), { ...(init || {}), headers: apiHeaders(init && init.headers) });
    } catch (exc) {
      throw new ApiError(0, "网络错误 Network error", `the service did not answer: ${exc.message}`);
    }
    if (!response.ok) throw await problemOf(response);
    return response;
  }

  async function problemOf(response) {
    let problem = {};
    try {
      problem = await response.json();
    } catch (exc) {
      problem = { detail: `${response.status} ${response.statusText}` };
    }
    const error = new ApiError(response.status, problem.title || `HTTP ${response.status}`, problem.detail || "");
    tierFromProblem(error);
    return error;
  }

  function apiJson(path, params, init) {
    return withBusy(async () => {
      const data = await (await apiFetch(path, params, init)).json();
      if (data && typeof data.tier === "string") setTier(data.tier, "应答 answer");
      return data;
    });
  }

  // -- access tier ---------------------------------------------------------------------------------------

  function setTier(tier, source) {
    state.tier = tier;
    const badge = $("tier-badge");
    badge.dataset.tier = tier || "unknown";
    badge.className = `badge tier-${tier || "unknown"}`;
    badge.textContent = tier ? L.pair(L.TIERS, tier) : "未知 unknown";
    $("tier-source").textContent = source || "";
    $("auth-ref-label").classList.toggle("wanted", tier === "authorised");
  }

  /** Errors say the caller's tier: "your key (k) is public", an unknown key, a missing authorisation ref. */
  function tierFromProblem(error) {
    const stated = /your key \(([^)]*)\) is (\w+)/.exec(error.detail || "");
    if (stated) setTier(stated[2], `错误应答 error answer (${stated[1]})`);
    else if (error.status === 401) setTier(null, "密钥无效 unknown key");
    else if (error.status === 403 && /authorisation reference/i.test(error.detail || "")) {
      setTier("authorised", "需授权编号 authorisation ref needed");
    }
  }

  function initialTier() {
    if (state.apiKey) setTier(null, "待应答确认 until an answer reports it");
    else setTier("public", "无密钥 no key");
  }

  // -- errors and status ---------------------------------------------------------------------------------

  function showError(error) {
    $("error-title").textContent = error.title || "错误 Error";
    $("error-detail").textContent = error.detail || error.message || String(error);
    $("error-banner").hidden = false;
  }

  function hideError() {
    $("error-banner").hidden = true;
  }

  function setStatus(text) {
    $("status-line").textContent = text;
  }

  // -- view and filters ----------------------------------------------------------------------------------

  function viewParams() {
    return { as_of: $("as-of").value, profile: $("profile").value.trim() };
  }

  const commaList = (text) =>
    text
      .split(/[,，]/)
      .map((s) => s.trim())
      .filter(Boolean);

  function filterParams() {
    return {
      warning_list: state.list,
      state: $("filter-state").value,
      rule: $("filter-rule").value,
      domain: $("filter-domain").value,
      region: commaList($("filter-region").value),
      department: commaList($("filter-department").value),
      subject_id: $("filter-subject").value.trim(),
      date_from: $("filter-date-from").value,
      date_to: $("filter-date-to").value,
      sort: $("filter-sort").value.replace(/\s+/g, ""),
    };
  }

  function resetFilters() {
    for (const id of ["filter-state", "filter-rule", "filter-domain"]) $(id).value = "";
    for (const id of TEXT_FILTERS) $(id).value = "";
    state.list = "";
    state.offset = 0;
  }

  // -- statistics ----------------------------------------------------------------------------------------

  async function loadStatistics() {
    try {
      const data = await apiJson("v1/statistics", { by: "domain", ...viewParams() });
      renderDomainStats(data.rows);
      renderRuleStats(data.by_rule);
      fillDomainFilter(data.rows.map((r) => r.key).filter(Boolean));
      $("view-info").textContent = `评估日期 as of ${data.as_of} · 配置 profile ${data.profile}`;
    } catch (error) {
      showError(error);
    }
  }

  function renderDomainStats(rows) {
    const body = $("stats-domain").tBodies[0];
    body.replaceChildren(
      ...rows.map((r) =>
        el(
          "tr",
          { dataset: { key: r.key ?? "" } },
          el("td", {}, r.key ? L.zhCode(L.DOMAINS, r.key) : "未标注 none"),
          el("td", { class: "num" }, r.entries),
          el("td", { class: "num" }, r.derived),
          el("td", { class: "num" + (r.warnings ? " hot" : "") }, r.warnings)
        )
      )
    );
    const sum = (field) => rows.reduce((total, r) => total + r[field], 0);
    $("stats-domain").tFoot.replaceChildren(
      el(
        "tr",
        {},
        el("th", {}, "合计 Total"),
        el("th", { class: "num" }, sum("entries")),
        el("th", { class: "num" }, sum("derived")),
        el("th", { class: "num" }, sum("warnings"))
      )
    );
  }

  function renderRuleStats(byRule) {
    const body = $("stats-rule").tBodies[0];
    body.replaceChildren(
      ...Object.entries(byRule).map(([rule, count]) =>
        el(
          "tr",
          { dataset: { rule } },
          el("td", { title: L.pair(L.RULES, rule) }, el("b", {}, rule), " ", L.RULES[rule] ? L.RULES[rule][0] : ""),
          el("td", { class: "num" }, count)
        )
      )
    );
  }

  function fillSelect(select, values, label) {
    const chosen = select.value;
    const options = values.map((v) => el("option", { value: v }, label(v)));
    select.replaceChildren(el("option", { value: "" }, "全部 all"), ...options);
    select.value = values.includes(chosen) ? chosen : "";
  }

  function fillDomainFilter(domains) {
    fillSelect($("filter-domain"), domains, (d) => L.zhCode(L.DOMAINS, d));
  }

  // -- warning lists -------------------------------------------------------------------------------------

  async function loadWarnings() {
    const filters = filterParams();
    const params = { ...viewParams(), ...filters, offset: state.offset, limit: state.limit };
    try {
      const pageRequest = apiJson("v1/warnings", params);
      // `counts` follows every filter, the list too: the tabs need one answer without the list filter.
      const everyList = { ...params, warning_list: "", offset: 0, limit: 1 };
      const countsRequest = state.list ? apiJson("v1/warnings", everyList) : null;
      const page = await pageRequest;
      const counts = countsRequest ? (await countsRequest).counts : page.counts;
      state.total = page.total;
      state.asOf = page.as_of;
      renderTabs(counts);
      renderWarnings(page.items);
      renderPager(page);
      renderSortMarks();
      const table = $("warnings-table");
      table.dataset.loads = String(Number(table.dataset.loads) + 1);
      table.dataset.total = String(page.total);
    } catch (error) {
      showError(error);
      const cell = el("td", { colspan: COLUMNS, class: "empty", "data-testid": "warnings-error" }, error.detail);
      $("warnings-table").tBodies[0].replaceChildren(el("tr", {}, cell));
    }
  }

  function renderTabs(counts) {
    const all = Object.values(counts || {}).reduce((a, b) => a + b, 0);
    const tab = (list, label, count) =>
      el(
        "button",
        {
          type: "button",
          role: "tab",
          class: "tab" + (state.list === list ? " active" : ""),
          "aria-selected": state.list === list ? "true" : "false",
          "data-testid": `tab-${list || "all"}`,
          dataset: { list },
          onclick: () => selectList(list),
        },
        label,
        " ",
        el("span", { class: "count", "data-testid": "tab-count" }, count)
      );
    $("list-tabs").replaceChildren(
      tab("", "全部 All", all),
      ...LIST_ORDER.map((list) => tab(list, L.pair(L.WARNING_LISTS, list), (counts || {})[list] || 0))
    );
  }

  function selectList(list) {
    state.list = list;
    state.offset = 0;
    loadWarnings();
  }

  function renderWarnings(items) {
    const body = $("warnings-table").tBodies[0];
    if (!items.length) {
      body.replaceChildren(el("tr", {}, el("td", { colspan: COLUMNS, class: "empty" }, "无警示 No warnings match")));
      return;
    }
    body.replaceChildren(...items.map(warningRow));
  }

  function subjectLink(id) {
    if (!id) return "—";
    const attrs = { type: "button", class: "link subject-link", "data-testid": "subject-link" };
    return el("button", { ...attrs, dataset: { subject: id }, onclick: () => openSubject(id) }, id);
  }

  function stateBadge(w) {
    const title = w.state === "new" ? null : `${show(w.reason)} — ${show(w.decided_by)}`;
    const attrs = { class: `badge state-${w.state}`, "data-testid": "warning-state", dataset: { state: w.state } };
    return el("span", { ...attrs, title }, L.pair(L.STATES, w.state));
  }

  function warningRow(w) {
    const data = { warningId: w.warning_id, subject: w.subject_id, state: w.state, list: w.warning_list };
    return el(
      "tr",
      { "data-testid": "warning-row", dataset: data },
      el("td", {}, L.WARNING_LISTS[w.warning_list] ? L.WARNING_LISTS[w.warning_list][0] : w.warning_list),
      el("td", { title: L.pair(L.RULES, w.rule), "data-testid": "warning-rule" }, w.rule),
      el("td", {}, subjectLink(w.subject_id)),
      el("td", {}, subjectLink(w.related_id)),
      el("td", { class: "mono" }, w.source_entry_id),
      el("td", { title: w.explanation }, w.effect),
      el("td", {}, show(w.severity)),
      el("td", {}, show(w.department)),
      el("td", { class: "nowrap", "data-testid": "warning-valid-from" }, show(w.valid_from)),
      el("td", { class: "nowrap" }, show(w.valid_until)),
      el("td", {}, stateBadge(w)),
      el("td", { class: "nowrap" }, w.decided_at ? String(w.decided_at).replace("T", " ").slice(0, 19) : "—"),
      el("td", { class: "actions" }, decisionButtons(w))
    );
  }

  function decisionButtons(w) {
    if (w.state !== "new") return el("span", { class: "muted" }, show(w.decided_by));
    if (!WRITE_TIERS.has(state.tier)) return el("span", { class: "muted", "data-testid": "read-only" }, "—");
    const button = (decision, css, testid, label) => {
      const open = (event) => openDecision(event.target, w, decision);
      return el("button", { type: "button", class: css, "data-testid": testid, onclick: open }, label);
    };
    return [
      button("confirmed", "small ok", "confirm-btn", "确认 Confirm"),
      button("dismissed", "small warn", "dismiss-btn", "驳回 Dismiss"),
    ];
  }

  // -- sorting and paging --------------------------------------------------------------------------------

  function sortKeys() {
    const key = (k) => (k.startsWith("-") ? { field: k.slice(1), desc: true } : { field: k, desc: false });
    return commaList($("filter-sort").value).map(key);
  }

  /** Click: sort by the column (again: reverse it). Shift-click: add or reverse it as a further key. */
  function onSortClick(field, additive) {
    const keys = sortKeys();
    const index = keys.findIndex((k) => k.field === field);
    if (additive) {
      if (index >= 0) keys[index].desc = !keys[index].desc;
      else keys.push({ field, desc: false });
      setSort(keys);
    } else {
      setSort([{ field, desc: index === 0 ? !keys[0].desc : false }]);
    }
    state.offset = 0;
    loadWarnings();
  }

  function setSort(keys) {
    $("filter-sort").value = keys.map((k) => (k.desc ? "-" : "") + k.field).join(",");
  }

  function renderSortMarks() {
    const keys = sortKeys();
    for (const th of $("warnings-table").tHead.querySelectorAll("th[data-sort]")) {
      const index = keys.findIndex((k) => k.field === th.dataset.sort);
      th.dataset.direction = index < 0 ? "" : keys[index].desc ? "desc" : "asc";
      th.dataset.order = index < 0 ? "" : String(index + 1);
      th.setAttribute("aria-sort", index < 0 ? "none" : keys[index].desc ? "descending" : "ascending");
    }
  }

  function renderPager(page) {
    const first = page.total ? page.offset + 1 : 0;
    const last = Math.min(page.offset + page.items.length, page.total);
    const range = `${first}–${last}`;
    $("page-info").textContent = `第 ${range} 条，共 ${page.total} 条 · rows ${range} of ${page.total}`;
    $("prev-page").disabled = page.offset <= 0;
    $("next-page").disabled = page.offset + page.limit >= page.total;
  }

  function turnPage(direction) {
    state.offset = Math.max(0, state.offset + direction * state.limit);
    loadWarnings();
  }

  // -- decisions (confirm / dismiss with a reason) -------------------------------------------------------

  function openDecision(button, warning, decision) {
    closeDecisions();
    const row = button.closest("tr");
    const confirming = decision === "confirmed";
    const input = el("input", {
      type: "text",
      class: "reason",
      "data-testid": "reason-input",
      maxlength: 2000,
      placeholder: "理由（必填）Reason (required)",
    });
    const error = el("span", { class: "decision-error", "data-testid": "decision-error", role: "alert" });
    const submit = el(
      "button",
      { type: "submit", class: confirming ? "ok" : "warn", "data-testid": "submit-decision" },
      confirming ? "提交确认 Confirm" : "提交驳回 Dismiss"
    );
    const cancel = el(
      "button",
      { type: "button", class: "secondary", "data-testid": "cancel-decision", onclick: closeDecisions },
      "取消 Cancel"
    );
    const label = el("label", {}, `${L.pair(L.STATES, decision)} · ${warning.warning_id} `, input);
    const form = el("form", { class: "decision-form" }, label, submit, cancel, error);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      submitDecision(warning, decision, input.value.trim(), error, submit);
    });
    const data = { warningId: warning.warning_id, decision };
    const cell = el("td", { colspan: COLUMNS }, form);
    row.after(el("tr", { class: "decision-row", "data-testid": "decision-row", dataset: data }, cell));
    input.focus();
  }

  function closeDecisions() {
    for (const row of document.querySelectorAll("tr.decision-row")) row.remove();
  }

  async function submitDecision(warning, decision, reason, errorBox, submit) {
    if (!reason) {
      errorBox.textContent = "请填写理由 Enter a reason";
      return;
    }
    submit.disabled = true;
    try {
      const answer = await apiJson(`v1/warnings/${encodeURIComponent(warning.warning_id)}/decision`, viewParams(), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ state: decision, reason }),
      });
      setStatus(`${L.pair(L.STATES, answer.state)}: ${answer.warning_id} (${answer.subject_id})`);
      closeDecisions();
      await loadWarnings();
    } catch (error) {
      errorBox.textContent = `${error.title}: ${error.detail || error.message}`;
      submit.disabled = false;
    }
  }

  // -- CSV export ----------------------------------------------------------------------------------------

  async function exportCsv() {
    const params = { ...viewParams(), ...filterParams(), format: "csv" };
    try {
      const text = await withBusy(async () => {
        const response = await apiFetch("v1/warnings", params, { headers: { Accept: "text/csv" } });
        return response.text();
      });
      const blob = new Blob([text], { type: "text/csv;charset=utf-8" });
      const name = `warnings-${params.as_of || state.asOf || "today"}${state.list ? "-" + state.list : ""}.csv`;
      downloadBlob(blob, name);
      const rows = csvRecordCount(text);
      setStatus(`已导出 ${rows} 行 Exported ${rows} rows → ${name}`);
      $("export-csv").dataset.rows = String(rows);
    } catch (error) {
      showError(error);
    }
  }

  function downloadBlob(blob, name) {
    const url = URL.createObjectURL(blob);
    const link = el("a", { href: url, download: name, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  /** Records in a CSV text, not counting the header (newlines inside quotes do not end a record). */
  function csvRecordCount(text) {
    let records = 0;
    let quoted = false;
    for (const ch of text) {
      if (ch === '"') quoted = !quoted;
      else if (ch === "\n" && !quoted) records += 1;
    }
    if (text && !text.endsWith("\n")) records += 1;
    return Math.max(0, records - 1);
  }

  // -- subject drill-down --------------------------------------------------------------------------------

  async function openSubject(subjectId) {
    state.subjectId = subjectId;
    const panel = $("subject-panel");
    panel.hidden = false;
    panel.dataset.subject = subjectId;
    panel.dataset.loaded = "false";
    $("subject-title").textContent = `主体 Subject ${subjectId}`;
    $("subject-body").replaceChildren(el("p", { class: "muted" }, "加载中 Loading…"));
    try {
      const profile = await apiJson(`v1/subjects/${encodeURIComponent(subjectId)}`, viewParams());
      if (state.subjectId !== subjectId) return; // another subject was opened meanwhile
      renderSubject(profile);
      panel.dataset.loaded = "true";
    } catch (error) {
      const message = `${error.title}: ${error.detail}`;
      $("subject-body").replaceChildren(el("p", { class: "decision-error", "data-testid": "subject-error" }, message));
      panel.dataset.loaded = "error";
    }
  }

  function closeSubject() {
    state.subjectId = null;
    $("subject-panel").hidden = true;
  }

  function renderSubject(profile) {
    const s = profile.subject;
    $("subject-title").textContent = `${show(s.name)} · ${s.subject_id}`;
    $("subject-body").replaceChildren(
      identityList(profile),
      el("h3", {}, "解释路径图 Explanation paths"),
      graphFigure(profile),
      el("h3", {}, `派生记录 Derived records (${profile.derived.length})`),
      derivedList(profile.derived),
      el("h3", {}, `在效条目 Entries in force (${profile.entries_in_force.length})`),
      entriesTable(profile.entries_in_force),
      el("h3", {}, rolesHeading(profile)),
      rolesTable(profile.roles),
      ...(INVESTIGATORS.has(profile.tier) ? exposureSection(s.subject_id) : [])
    );
  }

  // -- related-party exposure (investigator tiers): the answer, and whether a cap or limit cut it --------------

  const INVESTIGATORS = new Set(["government", "authorised", "admin"]);

  function exposureSection(subjectId) {
    const box = el("div", { "data-testid": "subject-exposure" }, el("p", { class: "muted" }, "加载中 Loading…"));
    withBusy(async () => {
      try {
        const report = await apiJson(`v1/exposure/${encodeURIComponent(subjectId)}`, viewParams());
        if (state.subjectId !== subjectId) return;
        const summary = `${report.level} · ${report.total} · ${report.count} 条 items, ${report.subjects_reached} 个主体 subjects within ${report.k} hops`;
        box.replaceChildren(el("p", { "data-testid": "exposure-summary" }, summary), completenessNote(report));
      } catch (error) {
        box.replaceChildren(el("p", { class: "muted", "data-testid": "exposure-error" }, `${error.title}: ${error.detail}`));
      }
    });
    return [el("h3", {}, "关联风险 Related-party exposure"), box];
  }

  /** Whether an analytics answer is whole (complete) or which caps and limits cut it (cut_by). */
  function completenessNote(report) {
    if (report.complete) {
      return el("p", { class: "muted", "data-testid": "analytics-complete" }, "完整 Complete: no cap or limit cut this answer");
    }
    const where = (c) => (c.subjects.length ? ` at ${c.subjects.join(", ")}${c.more_subjects ? ` and ${c.more_subjects} more` : ""}` : "");
    return el(
      "div",
      { class: "decision-error", "data-testid": "analytics-incomplete" },
      el("p", {}, "不完整 Incomplete: a cap or limit cut this answer"),
      el("ul", {}, report.cut_by.map((c) => el("li", { "data-testid": "analytics-cut" }, `${c.limit} = ${c.value}${where(c)} (${c.meaning})`)))
    );
  }

  function identityList(profile) {
    const s = profile.subject;
    const item = (label, value, testid) => [el("dt", {}, label), el("dd", { "data-testid": testid }, show(value))];
    return el(
      "dl",
      { class: "identity", "data-testid": "subject-identity" },
      item("名称 Name", s.name, "subject-name"),
      item("类型 Kind", L.zhCode(L.KINDS, s.kind), "subject-kind"),
      item("统一社会信用代码 USCC", s.uscc, "subject-uscc"),
      item("身份证号 ID number", s.id_number, "subject-id-number"),
      item("地区 Region", s.region, "subject-region"),
      item("日期 / 配置 As of / profile", `${profile.as_of} · ${profile.profile}`, "subject-as-of"),
      item("访问级别 Tier", L.pair(L.TIERS, profile.tier), "subject-tier")
    );
  }

  function graphFigure(profile) {
    const graph = window.PathGraph.buildGraph(profile, { asOf: profile.as_of, maxRoles: 24 });
    const picture = window.PathGraph.renderGraph(graph, {
      roleLabel: (role) => L.ROLES[role] || role,
      onNode: (id) => openSubject(id),
    });
    const notes = [`${graph.nodes.length} 个节点 nodes · ${graph.edges.length} 条边 edges`];
    const omitted = graph.omittedRoles;
    if (omitted > 0) notes.push(`另有 ${omitted} 个角色未画出 ${omitted} more roles not drawn`);
    return el(
      "figure",
      { class: "graph" },
      picture,
      el(
        "figcaption",
        { class: "muted" },
        el("span", { class: "legend path" }, "— 解释路径 path"),
        " ",
        el("span", { class: "legend role" }, "- - 角色 role"),
        " ",
        el("span", { class: "legend listed" }, "● 在名单 listed"),
        " · ",
        notes.join(" · ")
      )
    );
  }

  function highlightRecord(index, on) {
    for (const edge of document.querySelectorAll("#subject-graph .edge")) {
      const records = edge.dataset.records ? edge.dataset.records.split(",") : [];
      edge.classList.toggle("highlight", on && records.includes(String(index)));
    }
  }

  function derivedList(records) {
    if (!records.length) return el("p", { class: "muted" }, "无 None");
    return el(
      "ol",
      { class: "derived", "data-testid": "subject-derived" },
      records.map((r, index) => {
        const item = el(
          "li",
          { "data-testid": "derived-record", dataset: { recordId: r.record_id, rule: r.rule } },
          el(
            "div",
            {},
            el("b", {}, `${r.rule} `),
            L.RULES[r.rule] ? L.RULES[r.rule][0] + " · " : "",
            el("code", {}, r.effect),
            r.warning_list ? el("span", { class: "badge state-new" }, L.pair(L.WARNING_LISTS, r.warning_list)) : null
          ),
          el("div", { class: "muted" }, `${show(r.valid_from)} → ${show(r.valid_until)} · ${show(r.department)}`),
          el("p", { class: "explanation", "data-testid": "derived-explanation" }, r.explanation),
          el("div", { class: "mono path" }, r.path),
          el(
            "div",
            { class: "citation", "data-testid": "derived-citation" },
            "依据 Citation: ",
            r.citation,
            r.legal_basis ? ` · ${r.legal_basis}` : ""
          )
        );
        item.addEventListener("mouseenter", () => highlightRecord(index, true));
        item.addEventListener("mouseleave", () => highlightRecord(index, false));
        return item;
      })
    );
  }

  function headerRow(titles) {
    return el("thead", {}, el("tr", {}, titles.map((title) => el("th", {}, title))));
  }

  function entriesTable(entries) {
    if (!entries.length) return el("p", { class: "muted" }, "无 None");
    return el(
      "table",
      { class: "grid compact", "data-testid": "subject-entries" },
      headerRow([
        "条目 Entry",
        "名单 List",
        "领域 Domain",
        "严重程度 Severity",
        "部门 Department",
        "认定 Determined",
        "截止 Until",
        "状态 Status",
      ]),
      el(
        "tbody",
        {},
        entries.map((e) =>
          el(
            "tr",
            { title: e.legal_basis || "" },
            el("td", { class: "mono" }, e.entry_id),
            el("td", {}, e.list_type),
            el("td", {}, L.zhCode(L.DOMAINS, e.domain)),
            el("td", {}, show(e.severity)),
            el("td", {}, show(e.department)),
            el("td", { class: "nowrap" }, showDate(e.determined_on, e.determined_on_precision)),
            el("td", { class: "nowrap" }, showDate(e.valid_until, e.valid_until_precision)),
            el("td", {}, show(e.status))
          )
        )
      )
    );
  }

  /** The roles' heading: how many, and for a hub whose roles fill more than one page, how many in all. */
  function rolesHeading(profile) {
    const page = profile.roles_page;
    const shown = profile.roles.length;
    if (!page || page.complete) return `角色 Roles (${shown})`;
    return `角色 Roles (${page.offset + 1}–${page.offset + shown} / ${page.total}, 仅显示首页 first page shown)`;
  }

  function rolesTable(roles) {
    if (!roles.length) return el("p", { class: "muted" }, "无 None");
    return el(
      "table",
      { class: "grid compact", "data-testid": "subject-roles" },
      headerRow(["主体 Holder", "角色 Role", "对象 At", "比例 Ratio", "起 From", "止 To"]),
      el(
        "tbody",
        {},
        roles.map((r) =>
          el(
            "tr",
            { class: r.superseded_at ? "superseded" : "" },
            el("td", {}, subjectLink(r.source_id), " ", show(r.source_name)),
            el(
              "td",
              {},
              L.zhCode(L.ROLES, r.role),
              r.title ? el("span", { class: "muted", "data-testid": "role-title" }, ` （${r.title}）`) : ""
            ),
            el("td", {}, subjectLink(r.target_id), " ", show(r.target_name)),
            el("td", { class: "num" }, r.ratio === null ? "—" : `${r.ratio}%`),
            el("td", { class: "nowrap" }, showDate(r.valid_from, r.valid_from_precision)),
            el("td", { class: "nowrap" }, showDate(r.valid_to, r.valid_to_precision))
          )
        )
      )
    );
  }

  // -- wiring --------------------------------------------------------------------------------------------

  function refreshAll() {
    hideError();
    loadStatistics();
    loadWarnings();
    if (state.subjectId) openSubject(state.subjectId);
    document.dispatchEvent(new Event("dashboard:refreshed")); // the inbox (inbox.js) redraws itself
  }

  function applyKey(event) {
    event.preventDefault();
    state.apiKey = $("api-key").value.trim();
    state.authRef = $("auth-ref").value.trim();
    if (state.apiKey) sessionStorage.setItem(KEY_STORAGE, state.apiKey);
    else sessionStorage.removeItem(KEY_STORAGE);
    localStorage.removeItem(KEY_STORAGE); // a key an older version of this page kept on disk
    initialTier();
    state.offset = 0;
    refreshAll();
  }

  function clearKey() {
    $("api-key").value = "";
    $("auth-ref").value = "";
    applyKey(new Event("submit"));
  }

  function wire() {
    $("access-form").addEventListener("submit", applyKey);
    $("clear-key").addEventListener("click", clearKey);
    $("view-form").addEventListener("submit", (e) => {
      e.preventDefault();
      state.offset = 0;
      refreshAll();
    });
    $("filter-form").addEventListener("submit", (e) => {
      e.preventDefault();
      hideError();
      state.offset = 0;
      loadWarnings();
    });
    $("reset-filters").addEventListener("click", () => {
      resetFilters();
      loadWarnings();
    });
    $("export-csv").addEventListener("click", exportCsv);
    $("prev-page").addEventListener("click", () => turnPage(-1));
    $("next-page").addEventListener("click", () => turnPage(+1));
    $("page-size").addEventListener("change", (e) => {
      state.limit = Number(e.target.value);
      state.offset = 0;
      loadWarnings();
    });
    for (const th of $("warnings-table").tHead.querySelectorAll("th[data-sort]")) {
      th.tabIndex = 0;
      th.title = "点击排序，Shift+点击追加 click to sort, shift-click to add";
      th.addEventListener("click", (e) => onSortClick(th.dataset.sort, e.shiftKey));
      th.addEventListener("keydown", (e) => e.key === "Enter" && onSortClick(th.dataset.sort, e.shiftKey));
    }
    $("error-close").addEventListener("click", hideError);
    $("subject-close").addEventListener("click", closeSubject);
    document.addEventListener("keydown", (e) => e.key === "Escape" && closeSubject());
  }

  function start() {
    LIST_ORDER = Object.keys(L.WARNING_LISTS);
    fillSelect($("filter-rule"), L.WARNING_RULES, (r) => `${r} ${L.RULES[r][0]}`);
    $("api-key").value = state.apiKey;
    state.limit = Number($("page-size").value);
    initialTier();
    wire();
    renderTabs({});
    refreshAll();
  }

  // Exposed for the browser test and the console; the page does not need it.
  window.Dashboard = { state, refreshAll, loadWarnings, openSubject, apiJson, el };
  L.ready.then(start, (error) => {
    document.body.insertAdjacentText("afterbegin", `词表加载失败 vocabulary not loaded: ${error.message}`);
  });
})();
