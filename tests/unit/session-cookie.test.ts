// lib/auth/session-cookie.ts: the next-auth session cookie's name and attributes, and reading it back (whole or in
// next-auth's chunks) from a Cookie header.
import { describe, expect, it } from "vitest";
import { readSessionCookie, sessionCookie } from "@/lib/auth/session-cookie";

const NAME = "next-auth.session-token";
const withCookies = (cookie: string) => new Request("http://localhost/api/x/tasks", { headers: { cookie } });

describe("sessionCookie", () => {
  it("is HttpOnly, SameSite=Lax, for the whole site; Secure and __Secure- prefixed when the app is served over https", () => {
    expect(sessionCookie({ secureCookies: false, credentials: null })).toStrictEqual({
      name: NAME,
      options: { httpOnly: true, sameSite: "lax", path: "/", secure: false },
    });
    expect(sessionCookie({ secureCookies: true, credentials: null })).toStrictEqual({
      name: `__Secure-${NAME}`,
      options: { httpOnly: true, sameSite: "lax", path: "/", secure: true },
    });
  });
});

describe("readSessionCookie", () => {
  it("reads the cookie among others, without the spaces around it", () => {
    expect(readSessionCookie(withCookies(`a=1; ${NAME}=tok.en.sig ; b=2`), NAME)).toBe("tok.en.sig");
    expect(readSessionCookie(withCookies("a=1"), NAME)).toBeNull();
    expect(readSessionCookie(new Request("http://localhost/"), NAME)).toBeNull();
  });

  it("joins next-auth's chunks in their order, whatever order they come in", () => {
    expect(readSessionCookie(withCookies(`${NAME}.1=en.sig; x=y; ${NAME}.0=tok.`), NAME)).toBe("tok.en.sig");
  });

  it("reads up to 100 chunks (.0 to .99), in numeric order", () => {
    const parts = Array.from({ length: 12 }, (_, index) => `p${index}-`);
    const cookies = parts.map((part, index) => `${NAME}.${index}=${part}`).reverse();
    expect(readSessionCookie(withCookies(cookies.join("; ")), NAME)).toBe(parts.join(""));
    expect(readSessionCookie(withCookies(`${NAME}.99=b; ${NAME}.5=a`), NAME)).toBe("ab");
  });

  it("takes no other cookie that starts with the name for a chunk", () => {
    for (const other of [`${NAME}X.0`, `${NAME}.0x`, `${NAME}.100`, `${NAME}.x`, `${NAME}.`, `${NAME}-0`]) {
      expect(readSessionCookie(withCookies(`${other}=forged`), NAME), other).toBeNull();
    }
  });

  it("ignores a pair without '=', and another cookie whose name is as long and ends in a chunk number", () => {
    expect(readSessionCookie(withCookies(`${NAME}X`), NAME)).toBeNull();
    const lookAlike = `${"x".repeat(NAME.length)}.0`;
    expect(readSessionCookie(withCookies(`${lookAlike}=forged`), NAME)).toBeNull();
  });
});
