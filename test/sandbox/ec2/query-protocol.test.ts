import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueryParams } from "../../../src/sandbox/ec2/query-params.js";
import { startTestEc2, type TestEc2, testInstance } from "./support.js";

let t: TestEc2;
beforeAll(async () => {
  t = await startTestEc2({ instances: () => [testInstance(1)] });
});
afterAll(async () => {
  await t.close();
});

/** Sends a raw EC2 Query request as the SDK does: POST / with a form body. */
async function query(form: string) {
  const response = await fetch(t.server.url, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: form,
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

const errorXml = (code: string, message: string, requestId: string | null) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code>` +
  `<Message>${message}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;

describe("the EC2 Query protocol", () => {
  it("answers in EC2's namespace with the request id in the body and the headers", async () => {
    const { status, headers, body } = await query(
      "Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=private-ip-address&Filter.1.Value.1=10.0.1.1",
    );
    expect(status).toBe(200);
    expect(headers.get("content-type")).toBe("text/xml;charset=UTF-8");
    const requestId = headers.get("x-amzn-requestid");
    expect(body).toMatch(
      new RegExp(
        '^<\\?xml version="1.0" encoding="UTF-8"\\?>\\n<DescribeInstancesResponse ' +
          `xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>${requestId}</requestId>` +
          "<reservationSet><item><reservationId>r-[0-9a-f]{17}</reservationId><ownerId>123456789012</ownerId>" +
          `<instancesSet><item><instanceId>${testInstance(1).instanceId}</instanceId>.*` +
          "</instancesSet></item></reservationSet></DescribeInstancesResponse>$",
      ),
    );
  });

  it("takes the parameters from a GET query string too", async () => {
    const response = await fetch(`${t.server.url}/?Action=DescribeInstances&Version=2016-11-15&MaxResults=5`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain(`<instanceId>${testInstance(1).instanceId}</instanceId>`);
  });

  it("answers an unknown action with InvalidAction", async () => {
    const { status, headers, body } = await query("Action=RunInstances&Version=2016-11-15");
    expect(status).toBe(400);
    expect(body).toBe(
      errorXml(
        "InvalidAction",
        "The action RunInstances is not valid for this web service.",
        headers.get("x-amzn-requestid"),
      ),
    );
  });

  it("answers a request without an action with MissingAction", async () => {
    const { status, body } = await query("Version=2016-11-15");
    expect(status).toBe(400);
    expect(body).toContain("<Code>MissingAction</Code>");
  });

  it("rejects parameters the action does not take, such as a misspelt list", async () => {
    const { status, headers, body } = await query(
      "Action=DescribeInstances&Version=2016-11-15&InstanceIds.1=i-0123456789abcdef0",
    );
    expect(status).toBe(400);
    expect(body).toBe(
      errorXml(
        "UnknownParameter",
        "The parameter InstanceIds is not recognized",
        headers.get("x-amzn-requestid"),
      ),
    );
  });

  it("escapes what it echoes", async () => {
    const { body } = await query(
      "Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=a%3Cb%26c&Filter.1.Value.1=x",
    );
    expect(body).toContain("<Message>The filter &apos;a&lt;b&amp;c&apos; is invalid</Message>");
  });
});

describe("QueryParams", () => {
  const params = (entries: Record<string, string>) => new QueryParams(new Map(Object.entries(entries)));

  it("reads lists and lists of structures in index order, not text order", () => {
    const form = params({
      "Filter.10.Name": "ten",
      "Filter.2.Name": "two",
      "Filter.2.Value.2": "b",
      "Filter.2.Value.1": "a",
      "InstanceId.2": "i-2",
      "InstanceId.1": "i-1",
    });
    expect(form.names()).toEqual(new Set(["Filter", "InstanceId"]));
    expect(form.list("InstanceId")).toEqual(["i-1", "i-2"]);
    const filters = form.structs("Filter");
    expect(filters.map((filter) => filter.string("Name"))).toEqual(["two", "ten"]);
    expect(filters[0]?.list("Value")).toEqual(["a", "b"]);
  });

  it("reads numbers and booleans strictly", () => {
    expect(params({ MaxResults: "5", DryRun: "false" }).integer("MaxResults")).toBe(5);
    expect(params({ DryRun: "false" }).boolean("DryRun")).toBe(false);
    expect(() => params({ MaxResults: "5x" }).integer("MaxResults")).toThrow(/MaxResults is invalid/);
    expect(() => params({ DryRun: "yes" }).boolean("DryRun")).toThrow(/DryRun is invalid/);
    expect(() => params({ "InstanceId.0": "i-1" }).list("InstanceId")).toThrow(/InstanceId.0 is invalid/);
  });
});
