import {
  CreateServiceCommand,
  type CreateServiceCommandInput,
  DescribeServicesCommand,
  DescribeTasksCommand,
  InvalidParameterException,
  ListTasksCommand,
  type Service,
  ServiceNotFoundException,
  type Task,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { closeChecked, eventually, registerApp, startTestEcs, type TestEcs } from "./support.js";

let t: TestEcs;
beforeEach(async () => {
  t = await startTestEcs({ timing: { stoppedTaskRetentionMs: 60_000 } });
});
afterEach(async () => {
  await closeChecked(t);
});

const create = (input: Partial<CreateServiceCommandInput>) =>
  t.client.send(
    new CreateServiceCommand({ serviceName: "web", taskDefinition: "web", desiredCount: 2, ...input }),
  );

async function service(name = "web"): Promise<Service> {
  const { services } = await t.client.send(new DescribeServicesCommand({ services: [name] }));
  return services?.[0] ?? {};
}

/** Waits until the primary deployment reaches the rollout state. */
const rollout = (state: string, name = "web") =>
  eventually(async () => {
    const current = await service(name);
    expect(current.deployments?.[0]?.rolloutState).toBe(state);
    return current;
  });

/** Tasks of the cluster, observed the cheap way: ListTasks cluster-wide, then DescribeTasks in batches. */
async function tasks(desiredStatus: "RUNNING" | "STOPPED" = "RUNNING"): Promise<Task[]> {
  const { taskArns = [] } = await t.client.send(new ListTasksCommand({ desiredStatus }));
  if (taskArns.length === 0) return [];
  return (await t.client.send(new DescribeTasksCommand({ tasks: taskArns, include: ["TAGS"] }))).tasks ?? [];
}

describe("rolling deployments", () => {
  it("go IN_PROGRESS to COMPLETED with ECS's events, tasks on dynamic host ports", async () => {
    await registerApp(t.client, "web");
    const created = await create({});
    expect(created.service?.deployments?.[0]?.rolloutState).toBe("IN_PROGRESS");
    const done = await rollout("COMPLETED");
    const deployment = done.deployments?.[0];
    expect(done).toMatchObject({ runningCount: 2, pendingCount: 0, desiredCount: 2 });
    expect(deployment).toMatchObject({ runningCount: 2, pendingCount: 0, failedTasks: 0 });
    expect(deployment?.rolloutStateReason).toBe(`ECS deployment ${deployment?.id} completed.`);

    const running = await tasks();
    expect(running).toHaveLength(2);
    const ids = running.map((task) => task.taskArn?.split("/").pop());
    expect(done.events?.map((event) => event.message)).toEqual([
      "(service web) has reached a steady state.",
      `(service web) (deployment ${deployment?.id}) deployment completed.`,
      `(service web) has started 2 tasks: (task ${ids[0]}) (task ${ids[1]}).`,
    ]);
    const instances = new Set(running.map((task) => task.containerInstanceArn));
    expect(instances.size).toBe(2);
    for (const task of running) {
      expect(task).toMatchObject({
        group: "service:web",
        lastStatus: "RUNNING",
        desiredStatus: "RUNNING",
        launchType: "EC2",
        startedBy: deployment?.id,
        taskDefinitionArn: "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1",
        availabilityZone: expect.stringMatching(/^us-east-1[abc]$/),
        attachments: [],
      });
      expect(task.containers?.[0]?.networkBindings).toEqual([
        { bindIP: "0.0.0.0", containerPort: 8080, hostPort: 32768, protocol: "tcp" },
      ]);
    }
  });

  it("never hands out one host port twice on an instance", async () => {
    await registerApp(t.client, "web");
    await create({ desiredCount: 12 });
    await rollout("COMPLETED");
    const byInstance = new Map<string, number[]>();
    for (const task of await tasks()) {
      const ports = byInstance.get(task.containerInstanceArn ?? "") ?? [];
      ports.push(...(task.containers?.[0]?.networkBindings ?? []).map((binding) => binding.hostPort ?? 0));
      byInstance.set(task.containerInstanceArn ?? "", ports);
    }
    expect([...byInstance.values()].map((ports) => ports.sort())).toEqual([
      [32768, 32769, 32770, 32771],
      [32768, 32769, 32770, 32771],
      [32768, 32769, 32770, 32771],
    ]);
  });

  it("give awsvpc tasks an ENI address instead of host ports", async () => {
    await registerApp(t.client, "web", { networkMode: "awsvpc", cpu: "256", memory: "512" });
    const network = { awsvpcConfiguration: { subnets: ["subnet-a", "subnet-b"] } };
    await create({ networkConfiguration: network });
    await create({ serviceName: "fargate", launchType: "FARGATE", networkConfiguration: network });
    await rollout("COMPLETED");
    const fargate = await rollout("COMPLETED", "fargate");
    expect(fargate).toMatchObject({ launchType: "FARGATE", platformVersion: "LATEST" });
    const running = await tasks();
    const addresses = running.map(
      (task) => task.attachments?.[0]?.details?.find((detail) => detail.name === "privateIPv4Address")?.value,
    );
    expect(new Set(addresses).size).toBe(4);
    for (const task of running) {
      const address = task.attachments?.[0]?.details?.find(
        (detail) => detail.name === "privateIPv4Address",
      )?.value;
      expect(address).toMatch(/^10\.0\.(1[2-9]\d|2[0-5]\d)\.\d+$/);
      expect(task.attachments?.[0]).toMatchObject({ type: "ElasticNetworkInterface", status: "ATTACHED" });
      expect(task.containers?.[0]).toMatchObject({
        networkBindings: [],
        networkInterfaces: [{ attachmentId: task.attachments?.[0]?.id, privateIpv4Address: address }],
      });
    }
    const onFargate = running.filter((task) => task.launchType === "FARGATE");
    expect(onFargate.map((task) => task.containerInstanceArn)).toEqual([undefined, undefined]);
    expect(onFargate.map((task) => [task.cpu, task.memory])).toEqual([
      ["256", "512"],
      ["256", "512"],
    ]);
  });

  it("replace old tasks within the deployment limits and then drop the old deployment", async () => {
    await registerApp(t.client, "web");
    await create({});
    await rollout("COMPLETED");
    const v2 = await registerApp(t.client, "web", { image: "example/web:2" });
    await t.client.send(new UpdateServiceCommand({ service: "web", taskDefinition: v2 }));
    // minimumHealthyPercent 100 and maximumPercent 200: never under 2 running, never over 4 wanted.
    const state = t.server.ecs.state.clusters.get("default")?.services.get("web");
    let settled = false;
    while (!settled) {
      const live = [...(state?.tasks ?? [])];
      const wanted = live.filter((task) => task.desiredStatus === "RUNNING");
      expect(wanted.length).toBeLessThanOrEqual(4);
      expect(live.filter((task) => task.lastStatus === "RUNNING").length).toBeGreaterThanOrEqual(2);
      settled = state?.deployments.length === 1 && state.deployments[0]?.rolloutState === "COMPLETED";
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    const done = await service();
    expect(done.deployments).toHaveLength(1);
    expect(done.deployments?.[0]?.taskDefinition).toBe(v2);
    expect(done.events?.[0]?.message).toBe("(service web) has reached a steady state.");
    expect(
      done.events?.some((event) =>
        /^\(service web\) has stopped 2 running tasks: /.test(event.message ?? ""),
      ),
    ).toBe(true);
    const stopped = await tasks("STOPPED");
    expect(stopped).toHaveLength(2);
    for (const task of stopped) {
      expect(task).toMatchObject({
        lastStatus: "STOPPED",
        stopCode: "ServiceSchedulerInitiated",
        stoppedReason: `Scaling activity initiated by (deployment ${task.startedBy})`,
        stoppedAt: expect.any(Date),
      });
    }
    expect((await tasks()).map((task) => task.taskDefinitionArn)).toEqual([v2, v2]);
  });

  it("report tasks that cannot be placed because a static host port is taken", async () => {
    await registerApp(t.client, "web", { hostPort: 8080 });
    await create({ desiredCount: 4 });
    await eventually(async () => {
      const current = await service();
      expect(current.runningCount).toBe(3);
      expect(current.events?.[0]?.message).toBe(
        "(service web) was unable to place a task because no container instance met all of its requirements. The closest matching container instance is already using a port required by your task.",
      );
    });
    expect((await service()).deployments?.[0]?.rolloutState).toBe("IN_PROGRESS");
  });

  it("keep one task per instance under distinctInstance", async () => {
    await registerApp(t.client, "web");
    await create({ desiredCount: 4, placementConstraints: [{ type: "distinctInstance" }] });
    await eventually(async () => {
      const current = await service();
      expect(current.runningCount).toBe(3);
      expect(current.events?.[0]?.message).toMatch(
        /was unable to place a task .* already runs a task of this service/,
      );
    });
    expect(new Set((await tasks()).map((task) => task.containerInstanceArn)).size).toBe(3);
  });

  it("run one DAEMON task per container instance", async () => {
    await registerApp(t.client, "agent", { hostPort: 4140 });
    await create({
      serviceName: "agent",
      taskDefinition: "agent",
      desiredCount: undefined,
      schedulingStrategy: "DAEMON",
    });
    const done = await rollout("COMPLETED", "agent");
    expect(done).toMatchObject({
      desiredCount: 3,
      runningCount: 3,
      deploymentConfiguration: { maximumPercent: 100, minimumHealthyPercent: 0 },
    });
    const running = await tasks();
    expect(new Set(running.map((task) => task.containerInstanceArn)).size).toBe(3);
    // A new revision replaces the daemon on every instance, its static port freed first.
    const v2 = await registerApp(t.client, "agent", { hostPort: 4140, image: "example/agent:2" });
    await t.client.send(new UpdateServiceCommand({ service: "agent", taskDefinition: v2 }));
    await eventually(async () => {
      const current = await service("agent");
      expect(current.deployments).toHaveLength(1);
      expect(current.deployments?.[0]).toMatchObject({
        rolloutState: "COMPLETED",
        taskDefinition: v2,
        runningCount: 3,
      });
    });
  });

  it("propagate service tags and ECS managed tags to tasks", async () => {
    await registerApp(t.client, "web");
    await create({
      tags: [{ key: "team", value: "mesh" }],
      propagateTags: "SERVICE",
      enableECSManagedTags: true,
    });
    await rollout("COMPLETED");
    const [task] = await tasks();
    expect(task?.tags).toEqual([
      { key: "team", value: "mesh" },
      { key: "aws:ecs:clusterName", value: "default" },
      { key: "aws:ecs:serviceName", value: "web" },
    ]);
  });
});

describe("failing deployments", () => {
  async function deployBroken(circuitBreaker: { enable: boolean; rollback: boolean }) {
    await registerApp(t.client, "web");
    await create({ deploymentConfiguration: { deploymentCircuitBreaker: circuitBreaker } });
    const completed = await rollout("COMPLETED");
    t.server.ecs.markImageUnhealthy("example/web:bad");
    const broken = await registerApp(t.client, "web", { image: "example/web:bad" });
    const { service: updated } = await t.client.send(
      new UpdateServiceCommand({ service: "web", taskDefinition: broken }),
    );
    return { completed: completed.deployments?.[0], failing: updated?.deployments?.[0], broken };
  }

  it("fail with the circuit breaker once enough tasks failed to start", async () => {
    const { completed, failing } = await deployBroken({ enable: true, rollback: false });
    const failed = await eventually(async () => {
      const current = await service();
      expect(current.deployments?.[0]?.rolloutState).toBe("FAILED");
      return current;
    });
    expect(failed.deployments?.[0]).toMatchObject({
      id: failing?.id,
      rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start.",
    });
    // Two tasks start (and fail) at a time, so the threshold of 3 may be passed by one.
    expect(failed.deployments?.[0]?.failedTasks).toBeGreaterThanOrEqual(3);
    expect(failed.events?.[0]?.message).toBe(
      `(service web) (deployment ${failing?.id}) deployment failed: tasks failed to start.`,
    );
    // The old tasks keep serving.
    expect(failed.deployments?.[1]).toMatchObject({ id: completed?.id, runningCount: 2 });
    const stopped = await tasks("STOPPED");
    expect(stopped.length).toBeGreaterThanOrEqual(3);
    for (const task of stopped) {
      expect(task).toMatchObject({
        stoppedReason: "Essential container in task exited",
        stopCode: "EssentialContainerExited",
        containers: [expect.objectContaining({ lastStatus: "STOPPED", exitCode: 1 })],
      });
    }
  });

  it("roll back to the last completed deployment when asked to", async () => {
    const { completed, failing } = await deployBroken({ enable: true, rollback: true });
    const rolledBack = await eventually(async () => {
      const current = await service();
      expect(current.deployments).toHaveLength(1);
      expect(current.deployments?.[0]?.rolloutState).toBe("COMPLETED");
      return current;
    });
    expect(rolledBack.taskDefinition).toBe(completed?.taskDefinition);
    expect(rolledBack.deployments?.[0]?.id).not.toBe(completed?.id);
    const messages = rolledBack.events?.map((event) => event.message) ?? [];
    expect(messages).toContain(
      `(service web) (deployment ${failing?.id}) deployment failed: tasks failed to start.`,
    );
    expect(messages).toContain(`(service web) rolling back to deployment ${completed?.id}.`);
    expect(messages[0]).toBe("(service web) has reached a steady state.");
  });

  it("keep retrying without a circuit breaker", async () => {
    await deployBroken({ enable: false, rollback: false });
    await eventually(async () => expect((await service()).deployments?.[0]?.failedTasks).toBeGreaterThan(6));
    expect((await service()).deployments?.[0]?.rolloutState).toBe("IN_PROGRESS");
    t.server.ecs.markImageHealthy("example/web:bad");
    await rollout("COMPLETED");
  });
});

describe("ListTasks and DescribeTasks", () => {
  it("filter, page by 100 and report missing tasks", async () => {
    await registerApp(t.client, "web");
    await registerApp(t.client, "api");
    await create({ desiredCount: 150 });
    await create({ serviceName: "api", taskDefinition: "api", desiredCount: 3 });
    await rollout("COMPLETED");
    await rollout("COMPLETED", "api");
    const first = await t.client.send(new ListTasksCommand({}));
    expect(first.taskArns).toHaveLength(100);
    const second = await t.client.send(new ListTasksCommand({ nextToken: first.nextToken }));
    expect(second.taskArns).toHaveLength(53);
    expect(second.nextToken).toBeUndefined();
    expect((await t.client.send(new ListTasksCommand({ serviceName: "api" }))).taskArns).toHaveLength(3);
    expect((await t.client.send(new ListTasksCommand({ family: "api" }))).taskArns).toHaveLength(3);
    expect((await t.client.send(new ListTasksCommand({ desiredStatus: "STOPPED" }))).taskArns).toEqual([]);
    await expect(t.client.send(new ListTasksCommand({ serviceName: "ghost" }))).rejects.toBeInstanceOf(
      ServiceNotFoundException,
    );

    const described = await t.client.send(
      new DescribeTasksCommand({
        tasks: [...(first.taskArns ?? []).slice(0, 99), "0123456789abcdef0123456789abcdef"],
      }),
    );
    expect(described.tasks).toHaveLength(99);
    expect(described.failures).toEqual([{ arn: "0123456789abcdef0123456789abcdef", reason: "MISSING" }]);
    const byId = first.taskArns?.[0]?.split("/").pop() ?? "";
    expect((await t.client.send(new DescribeTasksCommand({ tasks: [byId] }))).tasks?.[0]?.taskArn).toBe(
      first.taskArns?.[0],
    );
    for (const batch of [[], [...(first.taskArns ?? []), ...(second.taskArns ?? []).slice(0, 1)]]) {
      await expect(t.client.send(new DescribeTasksCommand({ tasks: batch }))).rejects.toBeInstanceOf(
        InvalidParameterException,
      );
    }
  });

  it("forget stopped tasks after the retention time", async () => {
    await t.close();
    t = await startTestEcs({ timing: { stoppedTaskRetentionMs: 100 } });
    await registerApp(t.client, "web");
    await create({ desiredCount: 1 });
    await rollout("COMPLETED");
    const [task] = await tasks();
    await t.client.send(new UpdateServiceCommand({ service: "web", desiredCount: 0 }));
    await eventually(async () =>
      expect((await tasks("STOPPED")).map((stopped) => stopped.taskArn)).toEqual([task?.taskArn]),
    );
    await eventually(async () => {
      const { failures } = await t.client.send(new DescribeTasksCommand({ tasks: [task?.taskArn ?? ""] }));
      expect(failures).toEqual([{ arn: task?.taskArn, reason: "MISSING" }]);
    });
  });
});
