/**
 * What a line typed into `scalar chat` asks for: text for the current
 * topic, or a slash command. Pure: names are checked here, the server is
 * asked in chat.ts.
 */
import { parseName } from "../protocol/index.ts";

export type ChatAction =
  | { type: "say"; text: string }
  | { type: "join"; topic: string }
  | { type: "leave"; topic?: string }
  | { type: "to"; topic: string }
  | { type: "dm"; to: string; text: string }
  | { type: "help" }
  | { type: "quit" }
  | { type: "nothing" }
  | { type: "invalid"; message: string };

export const CHAT_HELP = [
  "text          say it in the current topic (//text for a line that starts with /)",
  "/join #t      subscribe to #t and talk there",
  "/leave [#t]   unsubscribe from #t (default: the current topic)",
  "/to #t|id     talk in #t, or to id by direct message",
  "/dm id text   one direct message",
  "/help         this list",
  "/quit         leave (Ctrl-D and Ctrl-C too)",
];

/** The kind of a name as typed, or why it is not one (`domain` completes short names). */
function nameKind(name: string, domain: string): "channel" | "id" | string {
  try {
    const kind = parseName(name, domain).kind;
    return kind === "channel" || kind === "id"
      ? kind
      : `${name} is reserved: only admins write there`;
  } catch {
    return `${JSON.stringify(name)} is not a channel (like #general) or an ID (like alice)`;
  }
}

export function parseChatLine(line: string, domain: string): ChatAction {
  const text = line.replace(/\r$/, "");
  if (text.trim() === "") return { type: "nothing" };
  if (text.startsWith("//")) return { type: "say", text: text.slice(1) };
  if (!text.startsWith("/")) return { type: "say", text };
  const [command = "", ...rest] = text.slice(1).split(/\s+/);
  const args = rest.filter((a) => a !== "");
  const usage = (form: string): ChatAction => ({ type: "invalid", message: `usage: ${form}` });
  switch (command.toLowerCase()) {
    case "join": {
      if (args.length !== 1) return usage("/join #topic");
      const kind = nameKind(args[0]!, domain);
      if (kind === "channel") return { type: "join", topic: args[0]! };
      return {
        type: "invalid",
        message: kind === "id" ? `/join takes a channel; /to ${args[0]} talks to an ID` : kind,
      };
    }
    case "leave": {
      if (args.length > 1) return usage("/leave [#topic]");
      if (args.length === 0) return { type: "leave" };
      const kind = nameKind(args[0]!, domain);
      return kind === "channel"
        ? { type: "leave", topic: args[0]! }
        : { type: "invalid", message: kind === "id" ? "/leave takes a channel" : kind };
    }
    case "to": {
      if (args.length !== 1) return usage("/to #topic|id");
      const kind = nameKind(args[0]!, domain);
      return kind === "channel" || kind === "id"
        ? { type: "to", topic: args[0]! }
        : { type: "invalid", message: kind };
    }
    case "dm":
    case "msg": {
      const match = /^\/\S+\s+(\S+)\s+(.+)$/s.exec(text);
      if (match === null) return usage("/dm id text");
      const kind = nameKind(match[1]!, domain);
      if (kind !== "id")
        return {
          type: "invalid",
          message: kind === "channel" ? "/dm takes an ID; just type to talk in a channel" : kind,
        };
      return { type: "dm", to: match[1]!, text: match[2]! };
    }
    case "help":
      return { type: "help" };
    case "quit":
    case "exit":
      return { type: "quit" };
    default:
      return { type: "invalid", message: `unknown command /${command} (/help lists them)` };
  }
}
