/* The work inbox: open objections and repairs with their deadlines counting down (overdue in red, provisional
   ones marked), and the announcements in their window. Drawn after every refresh of the dashboard
   (window.Dashboard). */
(function () {
  "use strict";

  const KINDS = {
    objection: "异议 objection",
    appeal: "申诉 appeal",
    complaint: "投诉 complaint",
    repair: "信用修复 repair",
    listing_notice: "事前告知 listing notice",
    public_notice: "公示 public notice",
    repair_notice: "修复公示 repair notice",
    exit: "退出公告 exit",
  };
  const kind = (code) => KINDS[code] || code;

  // A day counted over a year whose holiday notice the calendar lacks (statutory holidays only): it may move
  // when the notice is added, and the service records the move.
  function provisionalMark(el, item) {
    if (!item.provisional) return null;
    const years = (item.provisional_years || []).join(", ");
    const title = years
      ? `按法定节假日暂算，${years} 年放假安排通知尚未录入 ` +
        `counted on the statutory holidays: the ${years} holiday notice is not in the calendar yet`
      : "按法定节假日暂算 counted on the statutory holidays: a holiday notice is not in the calendar yet";
    return el("span", { class: "badge provisional", title, "data-testid": "provisional" }, "暂定 provisional");
  }

  function deadlineCell(el, deadline) {
    const left = deadline.days_left;
    const text =
      deadline.overdue ? `已逾期 overdue (${deadline.due})`
      : left === null || left === undefined ? `${deadline.due}`
      : `${deadline.due} · 剩 ${left} 个工作日 ${left} working days left`;  // prettier-ignore
    return el("li", { class: deadline.overdue ? "overdue" : "", title: deadline.basis, "data-testid": "deadline" },
      `${deadline.name}: ${text} `, provisionalMark(el, deadline));  // prettier-ignore
  }

  function caseRow(el, item) {
    return el(
      "tr",
      { "data-testid": "inbox-row", "data-case": item.case_id, class: item.deadlines.some((d) => d.overdue) ? "overdue" : "" },
      el("td", {}, kind(item.kind)),
      el("td", {}, item.case_id),
      el("td", {}, item.entry_id),
      el("td", {}, item.state),
      el("td", {}, item.opened_on),
      el("td", {}, el("ul", { class: "deadlines" }, item.deadlines.map((d) => deadlineCell(el, d)))),
    );
  }

  async function load() {
    const D = window.Dashboard;
    if (!D || !D.apiJson) return;
    const { el } = D;
    const on = document.getElementById("as-of").value || undefined;
    const body = document.getElementById("inbox-body");
    const notices = document.getElementById("announcements");
    body.replaceChildren();
    notices.replaceChildren();
    try {
      const shown = await D.apiJson("v1/announcements", { on });
      for (const a of shown.items) {
        notices.append(el("li", { "data-testid": "announcement", "data-kind": a.kind },
          `${kind(a.kind)} · ${a.entry_id} (${a.list_type}) · ${a.shown_from} – ${a.shown_until} · ${a.text} `,
          provisionalMark(el, a)));  // prettier-ignore
      }
      if (!shown.items.length) notices.append(el("li", { class: "muted" }, "暂无公告 no announcements"));
    } catch (error) {
      notices.append(el("li", { class: "muted" }, `${error.title}: ${error.detail}`));
    }
    if (D.state.tier === "public") {
      body.append(el("tr", {}, el("td", { colspan: 6, class: "muted" }, "需要政府共享及以上密钥 a government key or above")));
      return;
    }
    try {
      const [objections, repairs] = await Promise.all([
        D.apiJson("v1/objections", { state: "open", overdue_on: on }),
        D.apiJson("v1/repairs", { on }),
      ]);
      const open = repairs.items.filter((r) => r.state === "applied" || r.state === "notice");
      for (const item of [...objections.items, ...open]) body.append(caseRow(el, item));
      if (!body.children.length) body.append(el("tr", {}, el("td", { colspan: 6, class: "muted" }, "无待办 nothing open")));
    } catch (error) {
      body.append(el("tr", {}, el("td", { colspan: 6, class: "muted" }, `${error.title}: ${error.detail}`)));
    }
  }

  document.addEventListener("dashboard:refreshed", () => load());
  window.Inbox = { load };
})();
