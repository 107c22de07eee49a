import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuditService } from '../audit/audit.service';
import { AuthContext } from '../auth/auth-context';
import { Client, CurrentAuth } from '../auth/decorators/current-user.decorator';
import { Roles } from '../auth/decorators/roles.decorator';
import { ClientInfo } from '../sessions/sessions.service';
import {
  AdminUserDetailResponse,
  AdminUserResponse,
  AuditPage,
  AuditQueryDto,
  ListUsersQuery,
  UpdateUserDto,
  UserPage,
} from './admin.dto';
import { toAdminUser, toAuditEventResponse } from './admin.mappers';
import { AdminService } from './admin.service';

/** Admins only: 401 without credentials, 403 `forbidden` without the role. */
@ApiTags('admin')
@ApiCookieAuth()
@ApiBearerAuth()
@Roles('admin')
@Controller('admin')
export class AdminController {
  constructor(
    private readonly admin: AdminService,
    private readonly audit: AuditService,
  ) {}

  @Get('users')
  @ApiOkResponse({ type: UserPage })
  async listUsers(@Query() query: ListUsersQuery): Promise<UserPage> {
    const { items, total } = await this.admin.listUsers(query);
    return { items: items.map(toAdminUser), total, page: query.page, limit: query.limit };
  }

  @Get('users/:id')
  @ApiOkResponse({ type: AdminUserDetailResponse })
  async getUser(@Param('id') id: string): Promise<AdminUserDetailResponse> {
    const { user, activeSessions } = await this.admin.getUser(id);
    return { ...toAdminUser(user), activeSessions };
  }

  @Patch('users/:id')
  @ApiOkResponse({ type: AdminUserResponse })
  async updateUser(
    @CurrentAuth() auth: AuthContext,
    @Param('id') id: string,
    @Body() body: UpdateUserDto,
    @Client() client: ClientInfo,
  ): Promise<AdminUserResponse> {
    return toAdminUser(await this.admin.updateUser(auth, id, body, client));
  }

  @Delete('users/:id/sessions')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Every session of the user, of both kinds, is ended' })
  async signOutEverywhere(@CurrentAuth() auth: AuthContext, @Param('id') id: string, @Client() client: ClientInfo): Promise<void> {
    await this.admin.signOutEverywhere(auth, id, client);
  }

  @Get('audit')
  @ApiOkResponse({ type: AuditPage })
  async auditLog(@Query() query: AuditQueryDto): Promise<AuditPage> {
    const { items, total } = await this.audit.find(query);
    return { items: items.map(toAuditEventResponse), total, page: query.page, limit: query.limit };
  }
}
