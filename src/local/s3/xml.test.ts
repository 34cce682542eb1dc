import { describe, expect, it } from "vitest";
import { S3Fault, noSuchBucket, noSuchKey } from "./errors";
import { listPage } from "./operations";
import type { ObjectMeta } from "./storage";
import { errorDocument, escapeXml, listObjectsV2Document } from "./xml";

const XML = '<?xml version="1.0" encoding="UTF-8"?>\n';

function object(key: string, size = 1): ObjectMeta {
  return { key, size, etag: '"d41d8cd98f00b204e9800998ecf8427e"', lastModified: Date.UTC(2024, 0, 2, 3, 4, 5), contentType: "text/plain", userMetadata: {}, headers: {} };
}

describe("S3 error documents", () => {
  it("NoSuchKey: Code, Message, Key, RequestId, HostId — no namespace, as S3 sends it", () => {
    expect(errorDocument(noSuchKey("users/alice/x&y.txt"), "4442587FB7D0A2F9", "host/id+2=")).toBe(
      `${XML}<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>users/alice/x&amp;y.txt</Key><RequestId>4442587FB7D0A2F9</RequestId><HostId>host/id+2=</HostId></Error>`,
    );
  });

  it("NoSuchBucket names the bucket; extra fields keep their order; text is escaped", () => {
    expect(errorDocument(noSuchBucket("nope"), "R", "H")).toContain("<Message>The specified bucket does not exist</Message><BucketName>nope</BucketName><RequestId>R</RequestId>");
    const f = new S3Fault("EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed size", [["ProposedSize", "11"], ["MaxSizeAllowed", "10"]]);
    expect(errorDocument(f, "R", "H")).toContain("<ProposedSize>11</ProposedSize><MaxSizeAllowed>10</MaxSizeAllowed><RequestId>");
    expect(escapeXml(`"a"<b>&'c'\r`)).toBe("&quot;a&quot;&lt;b&gt;&amp;&apos;c&apos;&#13;");
  });
});

describe("ListObjectsV2", () => {
  const objects = ["a.txt", "photos/2024/a.jpg", "photos/2024/b.jpg", "photos/2025/c.jpg", "photos/index.html", "z/€.txt"].map((k) => object(k));

  it("the document: namespace, Name, Prefix, KeyCount, MaxKeys, Delimiter, IsTruncated, Contents, CommonPrefixes", () => {
    const doc = listObjectsV2Document(listPage(objects, "bucket", { prefix: "photos/", delimiter: "/" }));
    expect(doc).toBe(
      `${XML}<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bucket</Name><Prefix>photos/</Prefix><KeyCount>3</KeyCount><MaxKeys>1000</MaxKeys><Delimiter>/</Delimiter><IsTruncated>false</IsTruncated>` +
        `<Contents><Key>photos/index.html</Key><LastModified>2024-01-02T03:04:05.000Z</LastModified><ETag>&quot;d41d8cd98f00b204e9800998ecf8427e&quot;</ETag><Size>1</Size><StorageClass>STANDARD</StorageClass></Contents>` +
        `<CommonPrefixes><Prefix>photos/2024/</Prefix></CommonPrefixes><CommonPrefixes><Prefix>photos/2025/</Prefix></CommonPrefixes></ListBucketResult>`,
    );
  });

  it("pages of max-keys entries (keys and common prefixes together) follow each other with the continuation token", () => {
    const seen: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < 10; page++) {
      const r = listPage(objects, "b", { delimiter: "/", maxKeys: "1", ...(token ? { continuationToken: token } : {}) });
      seen.push(...r.contents.map((c) => c.key), ...r.commonPrefixes);
      expect(r.contents.length + r.commonPrefixes.length).toBeLessThanOrEqual(1);
      token = r.nextContinuationToken;
      expect(r.isTruncated).toBe(token !== undefined);
      if (!token) break;
    }
    expect(seen).toEqual(["a.txt", "photos/", "z/"]);
  });

  it("start-after, max-keys 0, encoding-type=url, bad max-keys and a foreign continuation token", () => {
    expect(listPage(objects, "b", { startAfter: "photos/2025/c.jpg" }).contents.map((c) => c.key)).toEqual(["photos/index.html", "z/€.txt"]);
    expect(listPage(objects, "b", { maxKeys: "0" })).toMatchObject({ isTruncated: false, contents: [], maxKeys: 0 });
    expect(listObjectsV2Document(listPage(objects, "b", { prefix: "z/", encodingType: "url" }))).toContain("<Key>z/%E2%82%AC.txt</Key>");
    expect(() => listPage(objects, "b", { maxKeys: "-1" })).toThrow("Provided max-keys not an integer or within integer range");
    expect(() => listPage(objects, "b", { continuationToken: "bm9wZQ==" })).toThrow("The continuation token provided is incorrect");
  });
});
