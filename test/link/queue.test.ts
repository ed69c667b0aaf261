// The request queue on its own: one job at a time, `user` ahead of `poll`, first in first out
// within a lane, nothing runs while the link is not ready, and waiting jobs can be failed at once.
import { describe, expect, it } from "vitest";
import { type Priority, RequestQueue } from "../../src/link/queue.js";

interface Gate {
  readonly promise: Promise<void>;
  open(): void;
}

function gate(): Gate {
  let open: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe("RequestQueue", () => {
  it("runs one job at a time, user jobs ahead of polls, in order within a lane", async () => {
    const queue = new RequestQueue(() => true);
    const order: string[] = [];
    let running = 0;
    let most = 0;
    const first = gate();
    const job = (name: string, wait?: Gate) => async () => {
      running++;
      most = Math.max(most, running);
      order.push(name);
      await wait?.promise;
      running--;
      return name;
    };
    const results: Promise<string>[] = [queue.run("poll", job("poll 1", first))];
    const later: [Priority, string][] = [
      ["poll", "poll 2"],
      ["user", "user 1"],
      ["poll", "poll 3"],
      ["user", "user 2"],
    ];
    for (const [priority, name] of later) results.push(queue.run(priority, job(name)));
    expect(queue.busy).toBe(true);
    expect(queue.size).toBe(4);
    first.open();
    expect(await Promise.all(results)).toEqual(["poll 1", "poll 2", "user 1", "poll 3", "user 2"]);
    expect(order).toEqual(["poll 1", "user 1", "user 2", "poll 2", "poll 3"]);
    expect(most).toBe(1);
  });

  it("holds jobs while not ready and starts them on pump()", async () => {
    let ready = false;
    const queue = new RequestQueue(() => ready);
    let ran = false;
    const result = queue.run("poll", async () => {
      ran = true;
      return 1;
    });
    await Promise.resolve();
    expect(ran).toBe(false);
    ready = true;
    queue.pump();
    expect(await result).toBe(1);
  });

  it("passes a job's failure to its caller and goes on with the next", async () => {
    const queue = new RequestQueue(() => true);
    const failing = queue.run("user", async () => {
      throw new Error("no reply");
    });
    const next = queue.run("poll", async () => "next");
    await expect(failing).rejects.toThrow("no reply");
    expect(await next).toBe("next");
    expect(queue.busy).toBe(false);
  });

  it("rejects every waiting job at once, leaving the running one to finish", async () => {
    const queue = new RequestQueue(() => true);
    const hold = gate();
    const running = queue.run("poll", async () => {
      await hold.promise;
      return "done";
    });
    const waiting = [queue.run("user", async () => "a"), queue.run("poll", async () => "b")];
    queue.rejectAll(new Error("link down"));
    for (const job of waiting) await expect(job).rejects.toThrow("link down");
    expect(queue.size).toBe(0);
    hold.open();
    expect(await running).toBe("done");
  });
});
