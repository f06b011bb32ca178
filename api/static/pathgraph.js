/* Explanation paths as a small graph picture (inline SVG, no libraries).
 *
 * A derived record's `path` is one or more segments separated by ";" (outside brackets), e.g.
 *   "P001 -legal_representative-> E001 [black E-1]"
 *   "P5: P -legal_representative-> ORIGIN [serious_illegal E9]; P -person_in_charge-> E2"
 *   "91330106588958390W [black E57] -related_enterprise- 91110105310317994T <-actual_controller- P00000339"
 * Tokens: a subject id is a node; "-role->" points from the node before to the node after, "<-role-" from the
 * node after to the node before, "-role-" joins them without direction; "[...]" labels the node before it.
 * A leading "NAME: " on a segment (a rule or step name) is not a node and is dropped.
 *
 * window.PathGraph = { parsePath, splitSegments, buildGraph, layoutGraph, renderGraph }
 */
(function () {
  "use strict";

  const SVG_NS = "http://www.w3.org/2000/svg";
  const TOKEN = /\[([^\]]*)\]|<-([\w.]+)-(?!>)|-([\w.]+)->|-([\w.]+)-(?!>)|([^\s[\]]+)/g;
  const SEGMENT_PREFIX = /^\s*[\w.-]+:\s+/;

  /** Split a path on ";" that are not inside [...] (W1 labels hold "domain:E1;domain:E2"). */
  function splitSegments(path) {
    const segments = [];
    let depth = 0;
    let current = "";
    for (const ch of path || "") {
      if (ch === "[") depth += 1;
      if (ch === "]") depth = Math.max(0, depth - 1);
      if (ch === ";" && depth === 0) {
        segments.push(current);
        current = "";
      } else {
        current += ch;
      }
    }
    segments.push(current);
    return segments.map((s) => s.trim()).filter((s) => s.length > 0);
  }

  function tokenize(segment) {
    const tokens = [];
    for (const m of segment.replace(SEGMENT_PREFIX, "").matchAll(TOKEN)) {
      if (m[1] !== undefined) tokens.push({ kind: "label", text: m[1].trim() });
      else if (m[2] !== undefined) tokens.push({ kind: "edge", role: m[2], direction: "backward" });
      else if (m[3] !== undefined) tokens.push({ kind: "edge", role: m[3], direction: "forward" });
      else if (m[4] !== undefined) tokens.push({ kind: "edge", role: m[4], direction: "none" });
      else tokens.push({ kind: "node", id: m[5] });
    }
    return tokens;
  }

  /** Parse one path string into {nodes: [{id, labels}], edges: [{from, to, role, directed}]}. */
  function parsePath(path) {
    const nodes = new Map();
    const edges = [];
    const node = (id) => {
      if (!nodes.has(id)) nodes.set(id, { id, labels: [] });
      return nodes.get(id);
    };
    for (const segment of splitSegments(path)) {
      let previous = null;
      let pending = null;
      for (const token of tokenize(segment)) {
        if (token.kind === "label") {
          if (previous && token.text && !previous.labels.includes(token.text)) previous.labels.push(token.text);
        } else if (token.kind === "edge") {
          pending = token;
        } else {
          const current = node(token.id);
          if (pending && previous) edges.push(edgeBetween(previous.id, current.id, pending));
          pending = null;
          previous = current;
        }
      }
    }
    return { nodes: [...nodes.values()], edges };
  }

  function edgeBetween(before, after, token) {
    if (token.direction === "backward") return { from: after, to: before, role: token.role, directed: true };
    return { from: before, to: after, role: token.role, directed: token.direction === "forward" };
  }

  /**
   * The graph of a subject profile: the subject, every node and edge of its derived records' paths, and its
   * current roles (at most `maxRoles`, in force on `asOf` first). Returns {nodes, edges, omittedRoles}.
   */
  function buildGraph(profile, options) {
    const maxRoles = (options && options.maxRoles) || 24;
    const asOf = (options && options.asOf) || profile.as_of;
    const nodes = new Map();
    const edges = new Map();
    const addNode = (id, extra) => {
      const found = nodes.get(id) || { id, labels: [], name: null, isSubject: false, onPath: false };
      nodes.set(id, Object.assign(found, extra || {}));
      return found;
    };
    const subject = profile.subject || {};
    addNode(subject.subject_id, { isSubject: true, name: subject.name, kind: subject.kind });

    (profile.derived || []).forEach((record, index) => {
      const parsed = parsePath(record.path);
      for (const n of parsed.nodes) {
        const target = addNode(n.id, { onPath: true });
        for (const label of n.labels) if (!target.labels.includes(label)) target.labels.push(label);
      }
      for (const e of parsed.edges) addEdge(edges, e, "path", index);
    });

    const roles = currentRoles(profile.roles || [], asOf);
    const drawn = roles.slice(0, maxRoles);
    for (const role of drawn) {
      addNode(role.source_id, role.source_name ? { name: role.source_name } : null);
      addNode(role.target_id, role.target_name ? { name: role.target_name } : null);
      const directed = role.role !== "related_enterprise";
      addEdge(edges, { from: role.source_id, to: role.target_id, role: role.role, directed }, "role", null);
    }
    for (const role of profile.roles || []) {
      if (nodes.has(role.source_id) && role.source_name) nodes.get(role.source_id).name ||= role.source_name;
      if (nodes.has(role.target_id) && role.target_name) nodes.get(role.target_id).name ||= role.target_name;
    }
    return { nodes: [...nodes.values()], edges: [...edges.values()], omittedRoles: roles.length - drawn.length };
  }

  /** Role versions not superseded, those in force on asOf first. */
  function currentRoles(roles, asOf) {
    const current = roles.filter((r) => !r.superseded_at);
    const started = (r) => !r.valid_from || !asOf || r.valid_from <= asOf;
    const notEnded = (r) => !r.valid_to || !asOf || r.valid_to >= asOf;
    const inForce = (r) => started(r) && notEnded(r);
    return [...current.filter(inForce), ...current.filter((r) => !inForce(r))];
  }

  function addEdge(edges, edge, kind, recordIndex) {
    const key = `${edge.from}|${edge.role}|${edge.to}`;
    const found = edges.get(key) || { ...edge, kind, records: [] };
    if (kind === "path") found.kind = "path";
    if (recordIndex !== null && !found.records.includes(recordIndex)) found.records.push(recordIndex);
    edges.set(key, found);
  }

  /**
   * A circular layout: the subject in the middle (at 0,0), the others on one or two rings. Sets node.x, node.y
   * and node.captionAbove; returns the drawing's bounding box {x, y, width, height}.
   */
  function layoutGraph(graph) {
    const centre = graph.nodes.find((n) => n.isSubject);
    const others = graph.nodes.filter((n) => n !== centre);
    others.sort((a, b) => Number(b.onPath) - Number(a.onPath) || a.id.localeCompare(b.id));
    const half = Math.ceil(others.length / 2);
    const rings = others.length > 14 ? [others.slice(0, half), others.slice(half)] : [others];
    const inner = Math.max(150, rings[0].length * 22);
    const radii = [inner, inner + 120];
    const mid = 0;
    if (centre) Object.assign(centre, { x: mid, y: mid });
    rings.forEach((ring, r) => {
      ring.forEach((node, i) => {
        const angle = -Math.PI / 2 + (2 * Math.PI * i) / ring.length + (r * Math.PI) / Math.max(ring.length, 1);
        node.x = mid + radii[r] * Math.cos(angle);
        node.y = mid + radii[r] * Math.sin(angle);
      });
    });
    if (!centre && others.length === 1) Object.assign(others[0], { x: mid, y: mid });
    // Captions go on the outer side of the ring, away from the edges that come from the middle.
    for (const node of others) node.captionAbove = node.y < mid - 1;
    return boundingBox(graph.nodes);
  }

  /** The drawing's extent with room for the captions under each node (id, name, list labels). */
  function boundingBox(nodes) {
    const box = { left: Infinity, top: Infinity, right: -Infinity, bottom: -Infinity };
    for (const n of nodes) {
      const lines = captionLines(n);
      const captions = 19 + 13 * lines.length;
      const half = Math.max(70, 3.5 * Math.max(...lines.map((line) => line.text.length)));
      box.left = Math.min(box.left, n.x - half);
      box.right = Math.max(box.right, n.x + half);
      box.top = Math.min(box.top, n.y - (n.captionAbove ? captions : 24));
      box.bottom = Math.max(box.bottom, n.y + (n.captionAbove ? 24 : captions));
    }
    return { x: box.left, y: box.top, width: box.right - box.left, height: box.bottom - box.top };
  }

  function svg(tag, attrs, text) {
    const element = document.createElementNS(SVG_NS, tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value !== null && value !== undefined) element.setAttribute(name, String(value));
    }
    if (text !== undefined) element.textContent = text;
    return element;
  }

  function arrowMarkers() {
    const defs = svg("defs");
    for (const kind of ["path", "role"]) {
      const marker = svg("marker", {
        id: `arrow-${kind}`,
        viewBox: "0 0 10 10",
        refX: 10,
        refY: 5,
        markerWidth: 7,
        markerHeight: 7,
        orient: "auto-start-reverse",
      });
      marker.appendChild(svg("path", { d: "M 0 0 L 10 5 L 0 10 z", class: `arrow arrow-${kind}` }));
      defs.appendChild(marker);
    }
    return defs;
  }

  /** Parallel edges between the same two nodes bend apart: the k-th gets offset k (0, +1, -1, +2, ...). */
  function edgeOffsets(edges) {
    const seen = new Map();
    return edges.map((e) => {
      const key = [e.from, e.to].sort().join("|");
      const k = seen.get(key) || 0;
      seen.set(key, k + 1);
      return k === 0 ? 0 : (k % 2 === 1 ? 1 : -1) * Math.ceil(k / 2);
    });
  }

  function edgeGeometry(a, b, offset, radius) {
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const length = Math.hypot(dx, dy) || 1;
    const cx = (a.x + b.x) / 2 - (dy / length) * offset * 28;
    const cy = (a.y + b.y) / 2 + (dx / length) * offset * 28;
    const shorten = (p, toward) => {
      const d = Math.hypot(toward.x - p.x, toward.y - p.y) || 1;
      return { x: p.x + ((toward.x - p.x) / d) * radius, y: p.y + ((toward.y - p.y) / d) * radius };
    };
    const start = shorten(a, { x: cx, y: cy });
    const end = shorten(b, { x: cx, y: cy });
    const label = { x: 0.25 * start.x + 0.5 * cx + 0.25 * end.x, y: 0.25 * start.y + 0.5 * cy + 0.25 * end.y };
    return { d: `M ${start.x} ${start.y} Q ${cx} ${cy} ${end.x} ${end.y}`, label };
  }

  function renderEdge(edge, byId, offset, roleLabel) {
    const a = byId.get(edge.from);
    const b = byId.get(edge.to);
    const geometry = edgeGeometry(a, b, offset, 13);
    const group = svg("g", {
      class: `edge edge-${edge.kind}`,
      "data-testid": "graph-edge",
      "data-from": edge.from,
      "data-to": edge.to,
      "data-role": edge.role,
      "data-records": edge.records.join(","),
    });
    group.appendChild(svg("title", {}, `${edge.from} —${edge.role}→ ${edge.to}`));
    const arrow = edge.directed ? `url(#arrow-${edge.kind})` : null;
    group.appendChild(svg("path", { d: geometry.d, class: "edge-line", "marker-end": arrow }));
    const { x, y } = geometry.label;
    group.appendChild(svg("text", { x, y: y - 3, class: "edge-label" }, roleLabel(edge.role)));
    return group;
  }

  /** A node's caption: its id, its name, and each list label (a long one split after its ";"). */
  function captionLines(node) {
    const lines = [{ kind: "node-id", text: node.id }];
    if (node.name) lines.push({ kind: "node-name", text: node.name });
    for (const label of node.labels) {
      const parts = label.split(";");
      parts.forEach((part, i) => {
        const text = (i === 0 ? "[" : "") + part + (i === parts.length - 1 ? "]" : ";");
        lines.push({ kind: i === 0 ? "node-label" : "node-label-more", text });
      });
    }
    return lines;
  }

  function renderNode(node) {
    const classes = ["node"];
    if (node.isSubject) classes.push("node-subject");
    if (node.labels.length) classes.push("node-listed");
    if (node.onPath) classes.push("node-path");
    const group = svg("g", {
      class: classes.join(" "),
      "data-testid": "graph-node",
      "data-node-id": node.id,
      transform: `translate(${node.x} ${node.y})`,
      tabindex: 0,
    });
    group.appendChild(svg("title", {}, [node.id, node.name, ...node.labels].filter(Boolean).join("\n")));
    group.appendChild(svg("circle", { r: node.isSubject ? 13 : 10 }));
    const captions = captionLines(node).map((line) => {
      const testid = line.kind === "node-label" ? "graph-node-label" : null;
      return svg("text", { class: line.kind, "data-testid": testid }, line.text);
    });
    // Below the circle top-down, or above it bottom-up (the id nearest the circle either way).
    captions.forEach((caption, i) => {
      caption.setAttribute("y", String(node.captionAbove ? -20 - 13 * i : 27 + 13 * i));
      group.appendChild(caption);
    });
    return group;
  }

  /**
   * Draw the graph into a new <svg>. `options.roleLabel(role)` gives an edge's caption, `options.onNode(id)`
   * is called when a node is clicked.
   */
  function renderGraph(graph, options) {
    const roleLabel = (options && options.roleLabel) || ((role) => role);
    const { x, y, width, height } = layoutGraph(graph);
    const root = svg("svg", {
      id: "subject-graph",
      "data-testid": "subject-graph",
      viewBox: `${x} ${y} ${width} ${height}`,
      role: "img",
      "aria-label": "解释路径图 explanation paths",
      class: "path-graph",
    });
    root.appendChild(arrowMarkers());
    const byId = new Map(graph.nodes.map((n) => [n.id, n]));
    const edgeLayer = svg("g", { class: "edges" });
    const offsets = edgeOffsets(graph.edges);
    graph.edges.forEach((edge, i) => edgeLayer.appendChild(renderEdge(edge, byId, offsets[i], roleLabel)));
    const nodeLayer = svg("g", { class: "nodes" });
    for (const node of graph.nodes) {
      const drawn = renderNode(node);
      if (options && options.onNode && !node.isSubject) drawn.addEventListener("click", () => options.onNode(node.id));
      nodeLayer.appendChild(drawn);
    }
    root.append(edgeLayer, nodeLayer);
    return root;
  }

  window.PathGraph = { parsePath, splitSegments, buildGraph, layoutGraph, renderGraph };
})();
