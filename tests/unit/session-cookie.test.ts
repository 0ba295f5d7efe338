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

  it("ignores a pair without '=', and another cookie whose name is as long and ends in a chunk number", () => {
    expect(readSessionCookie(withCookies(`${NAME}X`), NAME)).toBeNull();
    const lookAlike = `${"x".repeat(NAME.length)}.0`;
    expect(readSessionCookie(withCookies(`${lookAlike}=forged`), NAME)).toBeNull();
  });
});
