import { type InstanceView, STATE_CODES } from "./instance.js";
import { itemSet, leaf, node } from "./xml.js";

/** One `reservationSet` item, as DescribeInstances returns it: the reservation and its one instance. */
export function reservationXml(view: InstanceView, ownerId: string): string {
  return [
    leaf("reservationId", view.reservationId),
    leaf("ownerId", ownerId),
    itemSet("instancesSet", [instanceXml(view)]),
  ].join("");
}

/** The members of an EBS-backed Linux instance in a VPC, in the order EC2 writes them. */
function instanceXml(view: InstanceView): string {
  return [
    leaf("instanceId", view.instanceId),
    leaf("imageId", view.imageId),
    node("instanceState", leaf("code", STATE_CODES[view.state]), leaf("name", view.state)),
    leaf("privateDnsName", view.privateDnsName),
    leaf("dnsName", ""),
    leaf("reason", ""),
    leaf("amiLaunchIndex", 0),
    leaf("instanceType", view.instanceType),
    leaf("launchTime", view.launchTime.toISOString()),
    node(
      "placement",
      leaf("availabilityZone", view.availabilityZone),
      leaf("groupName", ""),
      leaf("tenancy", "default"),
    ),
    node("monitoring", leaf("state", "disabled")),
    leaf("subnetId", view.subnetId),
    leaf("vpcId", view.vpcId),
    leaf("privateIpAddress", view.privateIp),
    leaf("sourceDestCheck", true),
    leaf("architecture", "x86_64"),
    leaf("rootDeviceType", "ebs"),
    leaf("rootDeviceName", "/dev/xvda"),
    leaf("virtualizationType", "hvm"),
    // EC2 leaves the set out of an untagged instance (so the SDK's Tags is undefined, not []).
    view.tags.length === 0
      ? ""
      : itemSet(
          "tagSet",
          view.tags.map((tag) => leaf("key", tag.key) + leaf("value", tag.value)),
        ),
    leaf("hypervisor", "xen"),
    leaf("ebsOptimized", false),
  ].join("");
}
