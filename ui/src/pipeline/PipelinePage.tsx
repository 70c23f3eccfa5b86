// The pipeline: a board of stages (drag a card to another column, or focus a card and press
// Shift+← / Shift+→) and a list view, with filters by owner, source and date. Each column shows its
// count, total and probability-weighted total; a card shows the customer, vehicle, amount, days in
// stage, the next activity and a "going cold" flag past the stage's idle threshold. Every move is
// saved by the core (one transaction + a timeline line) and the board reloads from it.
import { DndContext, DragOverlay, KeyboardSensor, PointerSensor, useDraggable, useDroppable, useSensor, useSensors, type DragEndEvent, type DragStartEvent } from "@dnd-kit/core";
import { useCallback, useEffect, useRef, useState } from "react";
import type { ApiError, Board, BoardFilter, Card, Column, PipelineStage } from "../bindings";
import { api } from "../api";
import { useToast } from "../components/Toasts";
import { rowHeight, useVirtualList, VirtualRows } from "../components/VirtualRows";
import { formatCents, formatDollars, shortDate } from "../lib/format";
import { LostDialog } from "./LostDialog";
import { locale } from "../lib/locale";

type View = "board" | "list";

export function PipelinePage({ onOpenCustomer, dataVersion = 0 }: { onOpenCustomer: (id: string) => void; dataVersion?: number }) {
  const [board, setBoard] = useState<Board | null>(null);
  const [filter, setFilter] = useState<BoardFilter>({ pipeline: null, owner_id: null, source: null, created_from: null, created_to: null, include_closed: false });
  const [view, setView] = useState<View>("board");
  const [losing, setLosing] = useState<{ card: Card; stage: PipelineStage } | null>(null);
  const toast = useToast();
  const load = useCallback(() => { api.board(filter).then(setBoard).catch((e: ApiError) => toast(e.message, { kind: "error" })); }, [filter, toast]);
  useEffect(load, [load, dataVersion]);

  const move = async (card: Card, stage: PipelineStage, lostReason = "", competitor = "") => {
    if (card.opportunity.stage_id === stage.id) return;
    if (stage.name.toLowerCase() === "lost" && !lostReason) { setLosing({ card, stage }); return; }
    try {
      await api.moveOpportunity(card.opportunity.id, { stage_id: stage.id, lost_reason: lostReason, competitor, note: "" });
      toast(`${card.customer}: moved to ${stage.name}`);
      load();
    } catch (e) {
      const err = e as ApiError;
      toast(err.fields[0]?.message ?? err.message, { kind: "error" });
    }
  };
  const sensors = useSensors(useSensor(PointerSensor, { activationConstraint: { distance: 6 } }), useSensor(KeyboardSensor));
  // The card being dragged is drawn in an overlay above every column, so it stays visible
  // outside its own (scrolling, virtual) column.
  const [dragging, setDragging] = useState<Card | null>(null);
  const onDragStart = (e: DragStartEvent) => setDragging(board?.columns.flatMap((c) => c.cards).find((c) => c.opportunity.id === e.active.id) ?? null);
  const onDragEnd = (e: DragEndEvent) => {
    setDragging(null);
    if (!board || !e.over) return;
    const card = board.columns.flatMap((c) => c.cards).find((c) => c.opportunity.id === e.active.id);
    const column = board.columns.find((c) => c.stage.id === e.over!.id);
    if (card && column) void move(card, column.stage);
  };
  const step = (card: Card, by: number) => {
    if (!board) return;
    const i = board.columns.findIndex((c) => c.stage.id === card.opportunity.stage_id);
    const next = board.columns[i + by];
    if (next) void move(card, next.stage);
  };

  const set = (patch: Partial<BoardFilter>) => setFilter((f) => ({ ...f, ...patch }));
  const open = board?.columns.reduce((n, c) => n + (c.stage.name === "Won" || c.stage.name === "Lost" ? 0 : c.count), 0) ?? 0;
  const weighted = board?.columns.reduce((n, c) => n + c.weighted_cents, 0) ?? 0;

  return (
    <>
      <header className="page-header">
        <h1 className="page-title">Pipeline</h1>
        {board && <span className="page-count">{open.toLocaleString(locale())} open · weighted {formatDollars(weighted)}</span>}
        <div className="page-actions">
          <div className="segmented" role="group" aria-label="View">
            <button aria-pressed={view === "board"} onClick={() => setView("board")}>Board</button>
            <button aria-pressed={view === "list"} onClick={() => setView("list")}>List</button>
          </div>
        </div>
      </header>
      <div className="pipeline-filters" role="group" aria-label="Filters">
        {board && board.pipelines.length > 1 && (
          <label className="filter">Pipeline
            <select className="input" value={filter.pipeline ?? board.pipeline} onChange={(e) => set({ pipeline: e.target.value })}>
              {board.pipelines.map((p) => <option key={p}>{p}</option>)}
            </select>
          </label>
        )}
        <label className="filter">Owner
          <select className="input" name="owner" value={filter.owner_id ?? ""} onChange={(e) => set({ owner_id: e.target.value || null })}>
            <option value="">Everyone</option>
            {board?.owners.map(([id, name]) => <option key={id} value={id}>{name}</option>)}
          </select>
        </label>
        <label className="filter">Source
          <select className="input" name="source" value={filter.source ?? ""} onChange={(e) => set({ source: e.target.value || null })}>
            <option value="">Any source</option>
            {board?.sources.map((s) => <option key={s}>{s}</option>)}
          </select>
        </label>
        <label className="filter">Created from
          <input className="input" type="date" name="created_from" value={filter.created_from ?? ""} onChange={(e) => set({ created_from: e.target.value || null })} />
        </label>
        <label className="filter">to
          <input className="input" type="date" name="created_to" value={filter.created_to ?? ""} onChange={(e) => set({ created_to: e.target.value || null })} />
        </label>
        <label className="check"><input type="checkbox" checked={filter.include_closed} onChange={(e) => set({ include_closed: e.target.checked })} /> Closed in the last 30 days</label>
      </div>
      {!board ? <div className="page-body" aria-busy="true" /> : view === "board" ? (
        <DndContext sensors={sensors} onDragStart={onDragStart} onDragEnd={onDragEnd} onDragCancel={() => setDragging(null)}>
          <div className="board" aria-label="Pipeline board">
            {board.columns.map((c) => (
              <BoardColumn key={c.stage.id} column={c} onOpen={onOpenCustomer} onStep={step} />
            ))}
          </div>
          <DragOverlay dropAnimation={null}>{dragging && <div className="deal-card dragging"><CardFace card={dragging} /></div>}</DragOverlay>
        </DndContext>
      ) : (
        <ListView board={board} onOpen={onOpenCustomer} onMove={(card, stage) => void move(card, stage)} />
      )}
      {losing && board && (
        <LostDialog deal={`${losing.card.customer} · ${losing.card.opportunity.title}`} reasons={board.lost_reasons} competitorReason={board.competitor_reason}
          onCancel={() => setLosing(null)}
          onConfirm={(reason, competitor) => { const l = losing; setLosing(null); void move(l.card, l.stage, reason, competitor); }} />
      )}
    </>
  );
}

function BoardColumn({ column, onOpen, onStep }: { column: Column; onOpen: (id: string) => void; onStep: (c: Card, by: number) => void }) {
  const { setNodeRef, isOver } = useDroppable({ id: column.stage.id });
  const s = column.stage;
  // Only the cards in view are drawn (a busy New column holds hundreds): each sits in a slot
  // positioned in one tall track, measured once drawn.
  const scroller = useRef<HTMLDivElement>(null);
  const cards = useVirtualList(column.cards.length, scroller, 96, 6);
  return (
    <section ref={setNodeRef} className={`board-column${isOver ? " over" : ""}`} aria-label={`${s.name}: ${column.count} deals`} data-stage={s.name}>
      <header className="board-column-head" style={{ borderTopColor: s.colour }}>
        <div className="board-column-title"><span>{s.name}</span><span className="badge">{column.count}</span></div>
        <div className="board-column-sums">
          <span title="Total">{formatDollars(column.total_cents)}</span>
          <span title={`Weighted at ${s.probability}%: ${formatCents(column.weighted_cents)}`} className="muted">{s.probability}% · {formatDollars(column.weighted_cents)}</span>
        </div>
      </header>
      <div className="board-cards virtual" ref={scroller}>
        {column.cards.length === 0 ? <p className="muted board-empty">No deals</p> : (
          <div className="board-track" style={{ height: cards.getTotalSize() }}>
            {cards.getVirtualItems().map((v) => {
              const c = column.cards[v.index];
              return c && (
                <div key={c.opportunity.id} className="board-slot" data-index={v.index} ref={cards.measureElement}
                  style={{ transform: `translateY(${v.start}px)` }}>
                  <DealCard card={c} onOpen={onOpen} onStep={onStep} />
                </div>
              );
            })}
          </div>
        )}
      </div>
    </section>
  );
}

function DealCard({ card, onOpen, onStep }: { card: Card; onOpen: (id: string) => void; onStep: (c: Card, by: number) => void }) {
  const { attributes, listeners, setNodeRef, isDragging } = useDraggable({ id: card.opportunity.id });
  const o = card.opportunity;
  return (
    <article ref={setNodeRef} {...listeners} {...attributes}
      className={`deal-card${isDragging ? " placeholder" : ""}${card.going_cold ? " cold" : ""}`}
      data-deal={o.id} aria-label={`${card.customer}, ${o.title}. Shift+arrows move it to the previous or next stage`}
      onKeyDown={(e) => {
        if (e.shiftKey && e.key === "ArrowRight") { e.preventDefault(); e.stopPropagation(); onStep(card, 1); }
        else if (e.shiftKey && e.key === "ArrowLeft") { e.preventDefault(); e.stopPropagation(); onStep(card, -1); }
        else if (e.key === "Enter") { e.preventDefault(); onOpen(o.customer_id); }
        else listeners?.onKeyDown?.(e);
      }}
      onDoubleClick={() => onOpen(o.customer_id)}>
      <CardFace card={card} />
    </article>
  );
}

/** What a card shows: on the board and under the pointer while dragged. */
function CardFace({ card }: { card: Card }) {
  const o = card.opportunity;
  return (
    <>
      <div className="deal-card-top">
        <span className="deal-customer">{card.customer}</span>
        <span className="deal-amount">{formatCents(o.amount_cents)}</span>
      </div>
      <div className="deal-vehicle">{card.vehicle ?? o.title}</div>
      <div className="deal-meta">
        <span className={card.going_cold ? "cold-flag" : "muted"} title={`${card.days_in_stage} days in this stage`}>
          {card.going_cold ? "Going cold · " : ""}{card.days_in_stage} d
        </span>
        {card.owner && <span className="muted deal-owner">{card.owner}</span>}
      </div>
      {card.next_activity && <div className="deal-next" title="Next activity">Next: {card.next_activity}{card.next_due ? ` · ${shortDate(card.next_due)}` : ""}</div>}
    </>
  );
}

function ListView({ board, onOpen, onMove }: { board: Board; onOpen: (id: string) => void; onMove: (c: Card, s: PipelineStage) => void }) {
  const rows = board.columns.flatMap((c) => c.cards.map((card) => ({ card, stage: c.stage })));
  const scroller = useRef<HTMLDivElement>(null);
  const list = useVirtualList(rows.length, scroller, rowHeight());
  return (
    <div className="table-wrap" ref={scroller}>
      <table className="grid" aria-label="Deals">
        <thead><tr><th>Customer</th><th>Deal</th><th>Stage</th><th>Amount</th><th>Days in stage</th><th>Next activity</th><th>Owner</th></tr></thead>
        <tbody>
          <VirtualRows items={rows} list={list} columns={7} row={({ card, stage }, i, measure) => (
            <tr key={card.opportunity.id} ref={measure} data-index={i} className="row" onDoubleClick={() => onOpen(card.opportunity.customer_id)}>
              <td className="strong">{card.customer}</td>
              <td>{card.vehicle ?? card.opportunity.title}</td>
              <td>
                <select className="input compact-select" aria-label={`Stage of ${card.customer}'s deal`} value={stage.id}
                  onChange={(e) => { const s = board.columns.find((c) => c.stage.id === e.target.value)?.stage; if (s) onMove(card, s); }}>
                  {board.columns.map((c) => <option key={c.stage.id} value={c.stage.id}>{c.stage.name}</option>)}
                </select>
              </td>
              <td>{formatCents(card.opportunity.amount_cents)}</td>
              <td className={card.going_cold ? "cold-flag" : undefined}>{card.days_in_stage}{card.going_cold ? " · going cold" : ""}</td>
              <td>{card.next_activity ?? <span className="muted">none</span>}</td>
              <td>{card.owner ?? ""}</td>
            </tr>
          )} />
        </tbody>
      </table>
    </div>
  );
}
