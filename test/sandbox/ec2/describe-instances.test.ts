import {
  DescribeInstancesCommand,
  type DescribeInstancesCommandInput,
  type Filter,
  paginateDescribeInstances,
} from "@aws-sdk/client-ec2";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SimulatedInstance } from "../../../src/sandbox/ec2/instance.js";
import { ec2Error, startTestEc2, type TestEc2, testInstance } from "./support.js";

const launchTime = new Date("2024-05-01T12:00:00.000Z");
let instances: SimulatedInstance[];
let t: TestEc2;
beforeEach(async () => {
  instances = [
    testInstance(1, { instanceType: "m5.large", launchTime, tags: [{ key: "Name", value: "web" }] }),
    testInstance(2, {
      tags: [
        { key: "Name", value: "worker" },
        { key: "team", value: "mesh" },
      ],
    }),
    testInstance(3, { state: "stopped" }),
    testInstance(4, { state: "terminated" }),
  ];
  t = await startTestEc2({ instances: () => instances });
});
afterEach(async () => {
  await t.close();
});

const describeInstances = (input: DescribeInstancesCommandInput = {}) =>
  t.client.send(new DescribeInstancesCommand(input));
const idsOf = async (input: DescribeInstancesCommandInput) =>
  (await describeInstances(input)).Reservations?.flatMap((r) => r.Instances?.map((i) => i.InstanceId));
const id = (n: number) => testInstance(n).instanceId;

describe("DescribeInstances by id", () => {
  it("returns each instance in its own reservation, with EC2's members", async () => {
    const { Reservations, NextToken } = await describeInstances({ InstanceIds: [id(1)] });
    expect(NextToken).toBeUndefined();
    expect(Reservations).toEqual([
      {
        ReservationId: expect.stringMatching(/^r-[0-9a-f]{17}$/),
        OwnerId: "123456789012",
        Instances: [
          {
            InstanceId: id(1),
            ImageId: expect.stringMatching(/^ami-[0-9a-f]{17}$/),
            State: { Code: 16, Name: "running" },
            PrivateDnsName: "ip-10-0-1-1.ec2.internal",
            PublicDnsName: "",
            StateTransitionReason: "",
            AmiLaunchIndex: 0,
            InstanceType: "m5.large",
            LaunchTime: launchTime,
            Placement: { AvailabilityZone: "us-east-1b", GroupName: "", Tenancy: "default" },
            Monitoring: { State: "disabled" },
            SubnetId: expect.stringMatching(/^subnet-[0-9a-f]{17}$/),
            VpcId: expect.stringMatching(/^vpc-[0-9a-f]{17}$/),
            PrivateIpAddress: "10.0.1.1",
            SourceDestCheck: true,
            Architecture: "x86_64",
            RootDeviceType: "ebs",
            RootDeviceName: "/dev/xvda",
            VirtualizationType: "hvm",
            Tags: [{ Key: "Name", Value: "web" }],
            Hypervisor: "xen",
            EbsOptimized: false,
          },
        ],
      },
    ]);
  });

  it("keeps ids stable between calls and shares the VPC, one subnet per zone", async () => {
    const first = await describeInstances();
    const second = await describeInstances();
    expect(second.Reservations).toEqual(first.Reservations);
    const all = first.Reservations?.flatMap((r) => r.Instances ?? []) ?? [];
    expect(new Set(all.map((i) => i.VpcId)).size).toBe(1);
    expect(new Set(all.map((i) => i.SubnetId)).size).toBe(3);
    expect(all.find((i) => i.InstanceId === id(2))?.Tags).toHaveLength(2);
    expect(all.find((i) => i.InstanceId === id(3))?.Tags).toBeUndefined();
  });

  it("shows stopped and terminated instances, the latter without an address", async () => {
    const [stopped, terminated] =
      (await describeInstances({ InstanceIds: [id(3), id(4)] })).Reservations?.map((r) => r.Instances?.[0]) ??
      [];
    expect(stopped).toMatchObject({ State: { Code: 80, Name: "stopped" }, PrivateIpAddress: "10.0.1.3" });
    expect(terminated).toMatchObject({ State: { Code: 48, Name: "terminated" }, PrivateDnsName: "" });
    expect(terminated?.PrivateIpAddress).toBeUndefined();
  });

  it("sees instances come and go between calls, and answers a duplicate id once", async () => {
    instances.push(testInstance(5));
    expect(await idsOf({ InstanceIds: [id(5), id(5)] })).toEqual([id(5)]);
    instances.splice(0, instances.length);
    expect(await describeInstances()).toMatchObject({ Reservations: [] });
  });

  it("fails with InvalidInstanceID.NotFound, naming every unknown id", async () => {
    const one = await ec2Error(describeInstances({ InstanceIds: [id(1), id(9)] }));
    expect(one.name).toBe("InvalidInstanceID.NotFound");
    expect(one.$metadata.httpStatusCode).toBe(400);
    expect(one.message).toBe(`The instance ID '${id(9)}' does not exist`);
    const two = await ec2Error(describeInstances({ InstanceIds: [id(8), id(9)] }));
    expect(two.message).toBe(`The instance IDs '${id(8)}, ${id(9)}' do not exist`);
  });

  it("fails with InvalidInstanceID.Malformed for what is not an instance id", async () => {
    const error = await ec2Error(describeInstances({ InstanceIds: ["i-xyz"] }));
    expect(error.name).toBe("InvalidInstanceID.Malformed");
    expect(error.message).toBe('Invalid id: "i-xyz"');
  });

  it("answers DryRun with DryRunOperation", async () => {
    const error = await ec2Error(describeInstances({ DryRun: true }));
    expect(error.name).toBe("DryRunOperation");
    expect(error.$metadata.httpStatusCode).toBe(412);
  });

  it("names private hosts by Region", async () => {
    await t.close();
    t = await startTestEc2({ instances: () => instances, region: "eu-west-1", accountId: "210987654321" });
    const { Reservations } = await describeInstances({ InstanceIds: [id(2)] });
    expect(Reservations?.[0]?.OwnerId).toBe("210987654321");
    expect(Reservations?.[0]?.Instances?.[0]?.PrivateDnsName).toBe("ip-10-0-1-2.eu-west-1.compute.internal");
  });
});

describe("DescribeInstances filters", () => {
  const cases: [string, Filter[], number[]][] = [
    ["instance-id", [{ Name: "instance-id", Values: [id(2), id(3)] }], [2, 3]],
    ["private-ip-address", [{ Name: "private-ip-address", Values: ["10.0.1.2"] }], [2]],
    ["availability-zone", [{ Name: "availability-zone", Values: ["us-east-1a"] }], [3]],
    ["instance-state-name", [{ Name: "instance-state-name", Values: ["running", "stopped"] }], [1, 2, 3]],
    ["instance-state-code", [{ Name: "instance-state-code", Values: ["48"] }], [4]],
    ["instance-type", [{ Name: "instance-type", Values: ["m5.large"] }], [1]],
    ["tag:<key>", [{ Name: "tag:Name", Values: ["worker"] }], [2]],
    ["tag-key", [{ Name: "tag-key", Values: ["team"] }], [2]],
    ["wildcards", [{ Name: "private-ip-address", Values: ["10.0.1.?"] }], [1, 2, 3]],
    ["wildcards in tags", [{ Name: "tag:Name", Values: ["w*"] }], [1, 2]],
    [
      "every filter at once",
      [
        { Name: "tag:Name", Values: ["*"] },
        { Name: "availability-zone", Values: ["us-east-1c"] },
      ],
      [2],
    ],
  ];

  it.each(cases)("%s", async (_, Filters, expected) => {
    expect(await idsOf({ Filters })).toEqual(expected.map(id));
  });

  it("applies filters to the ids asked for", async () => {
    const Filters = [{ Name: "instance-state-name", Values: ["running"] }];
    expect(await idsOf({ InstanceIds: [id(2), id(3)], Filters })).toEqual([id(2)]);
  });

  it("rejects a filter it does not know", async () => {
    const error = await ec2Error(
      describeInstances({ Filters: [{ Name: "ip-address", Values: ["1.2.3.4"] }] }),
    );
    expect(error.name).toBe("InvalidParameterValue");
    expect(error.message).toBe("The filter 'ip-address' is invalid");
  });
});

describe("DescribeInstances pagination", () => {
  beforeEach(() => {
    instances = Array.from({ length: 12 }, (_, i) => testInstance(i + 1));
  });

  it("pages through every instance with the SDK paginator", async () => {
    const pages: (string | undefined)[][] = [];
    for await (const page of paginateDescribeInstances({ client: t.client, pageSize: 5 }, {})) {
      pages.push(page.Reservations?.map((r) => r.Instances?.[0]?.InstanceId) ?? []);
    }
    expect(pages.map((page) => page.length)).toEqual([5, 5, 2]);
    expect(pages.flat()).toEqual(instances.map((i) => i.instanceId));
    expect(t.server.calls.get("DescribeInstances").ok).toBe(3);
  });

  it("pages the filtered instances and returns no token on the last page", async () => {
    const Filters = [{ Name: "availability-zone", Values: ["us-east-1a", "us-east-1b"] }];
    const first = await describeInstances({ Filters, MaxResults: 5 });
    expect(first.Reservations).toHaveLength(5);
    const second = await describeInstances({ Filters, MaxResults: 5, NextToken: first.NextToken });
    expect(second.Reservations).toHaveLength(3);
    expect(second.NextToken).toBeUndefined();
  });

  it("returns everything in one answer without MaxResults", async () => {
    const { Reservations, NextToken } = await describeInstances();
    expect(Reservations).toHaveLength(12);
    expect(NextToken).toBeUndefined();
  });

  it("refuses MaxResults with instance ids, below 5, and foreign tokens", async () => {
    const combined = await ec2Error(describeInstances({ InstanceIds: [id(1)], MaxResults: 5 }));
    expect(combined.name).toBe("InvalidParameterCombination");
    expect(combined.message).toBe("The parameter instancesSet cannot be used with the parameter maxResults");
    const small = await ec2Error(describeInstances({ MaxResults: 4 }));
    expect(small.name).toBe("InvalidParameterValue");
    const token = await ec2Error(describeInstances({ MaxResults: 5, NextToken: "not-a-token" }));
    expect(token.name).toBe("InvalidPaginationToken");
  });
});
