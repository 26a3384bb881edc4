// GitLab's user shapes: UserBasic (lists, authors), User (GET /users/:id) and UserPublic/CurrentUser
// (GET /user, with email and is_admin).
import { Type, type Static } from '@sinclair/typebox';
import type { User } from '../../engine/model.js';

export const UserBasicSchema = Type.Object(
  {
    id: Type.Integer(),
    username: Type.String(),
    name: Type.String(),
    state: Type.String(),
    locked: Type.Boolean(),
    avatar_url: Type.Union([Type.String(), Type.Null()]),
    web_url: Type.String(),
  },
);
export type UserBasic = Static<typeof UserBasicSchema>;

export const UserSchema = Type.Composite(
  [
    UserBasicSchema,
    Type.Object({
      created_at: Type.String(),
      bio: Type.String(),
      location: Type.String(),
      public_email: Type.Union([Type.String(), Type.Null()]),
      linkedin: Type.String(),
      twitter: Type.String(),
      website_url: Type.String(),
      organization: Type.String(),
      job_title: Type.String(),
      bot: Type.Boolean(),
    }),
  ],
);
export type UserShape = Static<typeof UserSchema>;

export const CurrentUserSchema = Type.Composite(
  [
    UserSchema,
    Type.Object({
      email: Type.String(),
      is_admin: Type.Boolean(),
      can_create_project: Type.Boolean(),
      can_create_group: Type.Boolean(),
      two_factor_enabled: Type.Boolean(),
      external: Type.Boolean(),
      private_profile: Type.Boolean(),
      last_sign_in_at: Type.Union([Type.String(), Type.Null()]),
      confirmed_at: Type.Union([Type.String(), Type.Null()]),
      last_activity_on: Type.Union([Type.String(), Type.Null()]),
      identities: Type.Array(Type.Unknown()),
      projects_limit: Type.Integer(),
    }),
  ],
);
export type CurrentUser = Static<typeof CurrentUserSchema>;

export function userBasic(user: User, baseUrl: string): UserBasic {
  return { id: user.id, username: user.username, name: user.name, state: user.state, locked: false, avatar_url: null, web_url: `${baseUrl}/${user.username}` };
}

export function userShape(user: User, baseUrl: string): UserShape {
  return {
    ...userBasic(user, baseUrl),
    created_at: user.createdAt,
    bio: '',
    location: '',
    public_email: null,
    linkedin: '',
    twitter: '',
    website_url: '',
    organization: '',
    job_title: '',
    bot: user.bot,
  };
}

export function currentUser(user: User, baseUrl: string): CurrentUser {
  return {
    ...userShape(user, baseUrl),
    email: user.email,
    is_admin: user.isAdmin,
    can_create_project: !user.bot,
    can_create_group: false,
    two_factor_enabled: false,
    external: false,
    private_profile: false,
    last_sign_in_at: null,
    confirmed_at: user.createdAt,
    last_activity_on: null,
    identities: [],
    projects_limit: 100000,
  };
}
